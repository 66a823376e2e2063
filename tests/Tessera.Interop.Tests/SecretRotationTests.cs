using System.Security.Cryptography;
using System.Text;

namespace Tessera.Interop.Tests;

/// <summary>
/// Secret rotation across the two runtimes: the rotated pair signs with
/// <see cref="InteropFixture.NewSecret"/> and still verifies <see cref="InteropFixture.Secret"/>,
/// which the default pair signs with. A cookie one runtime signed with the old secret is accepted
/// by the other's rotated app and re-signed with the new one.
/// </summary>
[Collection(InteropTestGroup.Name)]
public sealed class SecretRotationTests(InteropFixture fixture)
{
    [Fact]
    public Task A_cookie_node_signed_with_the_old_secret_is_accepted_by_dotnet_and_resigned_with_the_new_one() =>
        OldCookieIsResignedAsync(oldSigner: fixture.Node, rotated: fixture.DotNetRotated, otherRotated: fixture.NodeRotated);

    [Fact]
    public Task A_cookie_dotnet_signed_with_the_old_secret_is_accepted_by_node_and_resigned_with_the_new_one() =>
        OldCookieIsResignedAsync(oldSigner: fixture.DotNet, rotated: fixture.NodeRotated, otherRotated: fixture.DotNetRotated);

    [Fact]
    public Task A_cookie_node_signed_with_the_new_secret_is_accepted_by_dotnet() =>
        NewCookieIsAcceptedAsync(fixture.NodeRotated, fixture.DotNetRotated);

    [Fact]
    public Task A_cookie_dotnet_signed_with_the_new_secret_is_accepted_by_node() =>
        NewCookieIsAcceptedAsync(fixture.DotNetRotated, fixture.NodeRotated);

    private static async Task OldCookieIsResignedAsync(SessionClient oldSigner, SessionClient rotated, SessionClient otherRotated)
    {
        var issued = await oldSigner.SetAsync(null, new { step = 1 });
        Assert.Equal(SignedCookie(issued.Id, InteropFixture.Secret), issued.Cookie);

        var changed = await rotated.SetAsync(issued.Cookie, new { step = 2 });

        Assert.Equal(issued.Id, changed.Id);
        Assert.Equal(SignedCookie(issued.Id, InteropFixture.NewSecret), changed.Cookie);
        var read = await otherRotated.GetAsync(changed.Cookie);
        Assert.Equal(issued.Id, read.Id);
        JsonAssert.Equal("""{"step":2}""", read.Values);
    }

    private static async Task NewCookieIsAcceptedAsync(SessionClient signer, SessionClient verifier)
    {
        var issued = await signer.SetAsync(null, new { signedIn = true });
        Assert.Equal(SignedCookie(issued.Id, InteropFixture.NewSecret), issued.Cookie);

        var read = await verifier.GetAsync(issued.Cookie);

        Assert.Equal(issued.Id, read.Id);
        JsonAssert.Equal("""{"signedIn":true}""", read.Values);
        Assert.Null(read.SetCookie); // already signed with the first secret: nothing to re-send
    }

    /// <summary>express-session's cookie: <c>name=encodeURIComponent("s:" + id + "." + base64(HMAC-SHA256(secret, id)))</c>, unpadded.</summary>
    private static string SignedCookie(string id, string secret)
    {
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(id))).TrimEnd('=');
        return InteropFixture.CookieName + "=" + Uri.EscapeDataString("s:" + id + "." + signature);
    }
}
