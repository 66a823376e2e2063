using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;

namespace Tessera.Authentication;

/// <summary>
/// An authentication ticket as express-session's JSON document: the cookie carries the ticket's
/// expiry, and one value, <c>authenticationTicket</c>, holds the ticket serialized with
/// <see cref="TicketSerializer"/> as a base64 string.
/// </summary>
internal static class TicketDocument
{
    public const string ValueName = "authenticationTicket";

    public static SessionData Write(AuthenticationTicket ticket, string? userId, TimeProvider time)
    {
        var cookie = new SessionCookie(time);
        if (ticket.Properties.ExpiresUtc is { } expires)
        {
            cookie.Expires = expires;
        }

        var data = new SessionData(cookie);
        var serialized = TicketSerializer.Default.Serialize(ticket);
        var json = new byte[Base64.GetMaxEncodedToUtf8Length(serialized.Length) + 2];
        json[0] = (byte)'"';
        Base64.EncodeToUtf8(serialized, json.AsSpan(1), out _, out var written);
        json[written + 1] = (byte)'"';
        data.SetRawValue(ValueName, json.AsSpan(0, written + 2));
        data.UserId = userId;
        return data;
    }

    /// <summary>The ticket in <paramref name="data"/>; <see langword="null"/> when there is none or it does not read.</summary>
    public static AuthenticationTicket? Read(SessionData data)
    {
        if (!data.TryGetRawValue(ValueName, out var json))
        {
            return null;
        }

        var text = JsonSerializer.Deserialize<string>(json.Span);
        return text is null ? null : TicketSerializer.Default.Deserialize(Convert.FromBase64String(text));
    }

    /// <summary>
    /// The principal of <paramref name="ticket"/> as <see cref="TicketSerializer"/> writes it (its
    /// identities, their claims and types), without the ticket's properties: two tickets whose
    /// principals give the same bytes differ at most in their times and other properties.
    /// </summary>
    public static byte[] PrincipalOf(AuthenticationTicket ticket) =>
        TicketSerializer.Default.Serialize(new AuthenticationTicket(ticket.Principal, string.Empty));

    /// <summary>The principal of the ticket in <paramref name="data"/>, as <see cref="PrincipalOf(AuthenticationTicket)"/>; <see langword="null"/> when there is none or it does not read.</summary>
    public static byte[]? PrincipalOf(SessionData data)
    {
        try
        {
            return Read(data) is { } ticket ? PrincipalOf(ticket) : null;
        }
        catch (Exception ex) when (IsUnreadable(ex))
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="exception"/> is what <see cref="Read"/> throws for a value that is not a ticket.</summary>
    public static bool IsUnreadable(Exception exception) =>
        exception is JsonException or FormatException or EndOfStreamException or InvalidOperationException or ArgumentException or DecoderFallbackException;
}
