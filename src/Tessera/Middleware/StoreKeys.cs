using System.Security.Cryptography;
using System.Text;

namespace Tessera.Middleware;

/// <summary>The key under which the store holds a session: its ID, or the SHA-256 of it (hex).</summary>
internal static class StoreKeys
{
    public static string For(string sessionId, TesseraOptions options)
    {
        if (!options.HashIdsInStore)
        {
            return sessionId;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(sessionId), hash);
        return Convert.ToHexStringLower(hash);
    }
}
