using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Tessera.StoreConformance;

/// <summary>Session IDs and cookies made as a Node.js express-session app makes them.</summary>
public static class ExpressCookie
{
    /// <summary>A new ID as express-session's uid-safe makes it: 24 random bytes, 32 base64url characters.</summary>
    public static string NewId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));

    /// <summary>
    /// The <c>connect.sid=…</c> pair express-session sends for <paramref name="id"/>:
    /// <c>encodeURIComponent("s:" + id + "." + base64(HMAC-SHA256(secret, id)))</c> without <c>=</c> padding.
    /// </summary>
    public static string For(string id, string secret = "keyboard cat", string name = "connect.sid")
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(id));
        var signature = Convert.ToBase64String(mac).TrimEnd('=');
        return name + "=" + Uri.EscapeDataString("s:" + id + "." + signature);
    }
}
