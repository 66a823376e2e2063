using System.Buffers.Text;
using System.Security.Cryptography;

namespace Tessera;

/// <summary>
/// express-session's default session ID (uid-safe): 24 bytes from a CSPRNG, base64url-encoded
/// into 32 characters of <c>[A-Za-z0-9_-]</c>.
/// </summary>
/// <remarks>
/// Each thread draws the CSPRNG's bytes for many IDs at once and hands out each byte once,
/// erasing it as it goes: one call into the CSPRNG per <see cref="IdsPerDraw"/> IDs instead of
/// one per ID.
/// </remarks>
internal static class DefaultSessionIdGenerator
{
    public const int Length = 32;

    private const int BytesPerId = 24;
    private const int IdsPerDraw = 64;

    [ThreadStatic]
    private static byte[]? t_random;

    [ThreadStatic]
    private static int t_used;

    public static string Generate()
    {
        var random = t_random;
        if (random is null || t_used == random.Length)
        {
            random ??= t_random = new byte[BytesPerId * IdsPerDraw];
            RandomNumberGenerator.Fill(random);
            t_used = 0;
        }

        var bytes = random.AsSpan(t_used, BytesPerId);
        t_used += BytesPerId;
        var id = Base64Url.EncodeToString(bytes);
        CryptographicOperations.ZeroMemory(bytes);
        return id;
    }
}
