using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Tessera.Serialization;

namespace Tessera.Middleware;

/// <summary>
/// What a renewal leaves under a session's old ID. For a renewal within one user (ID rotation)
/// with a grace period, a marker that leads requests still carrying the old ID to the new one
/// until the period ends, while the renewed session keeps that user. For a change of user
/// (sign-in, sign-out) or without a grace period, an already expired document: writing it is a
/// conditional delete, and nothing leads anywhere, so an ID planted before sign-in never reaches
/// the signed-in session. With <see cref="TesseraOptions.HashIdsInStore"/> the new ID is sealed
/// with a key only the old ID gives, so the store never holds a usable session ID.
/// </summary>
internal static class RenewalMarker
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static SessionData Create(string oldId, string newId, string? userId, bool leads, TesseraOptions options, TimeProvider time)
    {
        var grace = options.RenewGracePeriod;
        if (!leads || grace <= TimeSpan.Zero)
        {
            return new SessionData(new SessionCookie(time) { MaxAge = TimeSpan.Zero });
        }

        var now = SessionCookie.TruncateToMilliseconds(time.GetUtcNow());
        return new SessionData(new SessionCookie(time) { MaxAge = grace })
        {
            Metadata = new SessionMetadata
            {
                RenewedTo = options.HashIdsInStore ? Seal(oldId, newId) : newId,
                FollowUntil = now + grace,
                RenewedUser = userId,
            },
        };
    }

    /// <summary>The ID a marker leads to while its grace period lasts, or null.</summary>
    public static string? NewIdOf(SessionData marker, string oldId, TesseraOptions options, DateTimeOffset now)
    {
        if (marker.Metadata is not { RenewedTo: { } renewedTo, FollowUntil: { } until } || until <= now)
        {
            return null;
        }

        return options.HashIdsInStore ? Open(oldId, renewedTo) : renewedTo;
    }

    /// <summary>The user the session had when it was renewed.</summary>
    public static string? UserOf(SessionData marker) => marker.Metadata?.RenewedUser;

    private static string Seal(string oldId, string newId)
    {
        var plain = Encoding.UTF8.GetBytes(newId);
        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(KeyOf(oldId), TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length));
        return Base64Url.EncodeToString(sealedBytes);
    }

    private static string? Open(string oldId, string value)
    {
        byte[] sealedBytes;
        try
        {
            sealedBytes = Base64Url.DecodeFromChars(value);
        }
        catch (FormatException)
        {
            return null;
        }

        if (sealedBytes.Length <= NonceSize + TagSize)
        {
            return null;
        }

        var length = sealedBytes.Length - NonceSize - TagSize;
        var plain = new byte[length];
        try
        {
            using var aes = new AesGcm(KeyOf(oldId), TagSize);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, length), sealedBytes.AsSpan(NonceSize + length), plain);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }

        return Encoding.UTF8.GetString(plain);
    }

    // Not the store key's SHA-256: whoever reads the store knows that, not this.
    private static byte[] KeyOf(string oldId) => HMACSHA256.HashData(Encoding.UTF8.GetBytes(oldId), "tessera renewal marker"u8);
}
