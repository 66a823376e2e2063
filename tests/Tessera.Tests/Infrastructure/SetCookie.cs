using System.Net.Http.Headers;

namespace Tessera.Tests.Infrastructure;

/// <summary>Reads Set-Cookie lines the way express-session's tests do.</summary>
internal static class SetCookie
{
    /// <summary>All Set-Cookie lines of a response, in order.</summary>
    public static IReadOnlyList<string> Lines(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? [.. values] : [];

    /// <summary>The first Set-Cookie line, verbatim (what the tests send back as the Cookie header).</summary>
    public static string? First(HttpResponseMessage response) => Lines(response) is [var first, ..] ? first : null;

    /// <summary>The first Set-Cookie line; fails when there is none.</summary>
    public static string Require(HttpResponseMessage response) =>
        First(response) ?? throw new Xunit.Sdk.XunitException("Expected a Set-Cookie header, found none.");

    /// <summary>The name of the first cookie.</summary>
    public static string Name(string line) => line[..line.IndexOf('=', StringComparison.Ordinal)];

    /// <summary>The raw (still percent-encoded) value of the first cookie.</summary>
    public static string Value(string line)
    {
        var pair = line.Split(';')[0];
        return pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..];
    }

    /// <summary>The session ID in a signed cookie line: between <c>s:</c> and the last <c>.</c> of the decoded value.</summary>
    public static string SessionId(string line)
    {
        var value = Uri.UnescapeDataString(Value(line));
        return value[2..value.LastIndexOf('.')];
    }

    /// <summary>An attribute's value (case-insensitive name), "" for a flag, null when absent.</summary>
    public static string? Attribute(string line, string name)
    {
        foreach (var part in line.Split(';').Skip(1))
        {
            var trimmed = part.Trim();
            var eq = trimmed.IndexOf('=', StringComparison.Ordinal);
            var attribute = eq < 0 ? trimmed : trimmed[..eq];
            if (attribute.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return eq < 0 ? string.Empty : trimmed[(eq + 1)..];
            }
        }

        return null;
    }
}
