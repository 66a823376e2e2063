using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Tessera.StoreConformance;

/// <summary>
/// What must hold of a renewed session ID on every store while the old ID is still in use: the
/// grace period leads the old cookie to the renewed session only when the user did not change,
/// a hashed store never sees a plain ID, and a renewal the response can no longer announce is
/// refused without harming the session.
/// </summary>
public abstract class OverlapRenewalBoundaryTests
{
    private static readonly TimeSpan GracePeriod = TimeSpan.FromMinutes(1);

    /// <summary>A store with no sessions in it, used by one test.</summary>
    protected abstract Task<ISessionStore> CreateStoreAsync();

    private async Task<KestrelSessionApp> StartAsync(Action<TesseraOptions> configure, TaskCompletionSource<Exception?>? outcome = null, ISessionStore? store = null) =>
        await KestrelSessionApp.StartAsync(store ?? await CreateStoreAsync(), configure, a =>
        {
            OverlapEndpoints.Map(a);
            if (outcome is not null)
            {
                MapStartedResponseEndpoints(a, outcome);
            }
        });

    private static void MapStartedResponseEndpoints(WebApplication app, TaskCompletionSource<Exception?> outcome)
    {
        app.MapGet("/started/{operation}", async (string operation, HttpContext context, Session session) =>
        {
            await context.Response.StartAsync();
            try
            {
                await (operation == "renew" ? session.RenewIdAsync() : session.RegenerateAsync());
                outcome.TrySetResult(null);
            }
            catch (Exception exception)
            {
                outcome.TrySetResult(exception);
            }
        });
    }

    private static async Task<(string Body, string? SetId)> AskAsync(KestrelSessionApp app, string path, string cookie)
    {
        using var response = await app.GetAsync(path, cookie);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return (body, OverlapEndpoints.SessionIdSetBy(response));
    }

    [Fact]
    public async Task The_old_cookie_of_a_planted_session_is_not_led_to_the_session_it_signed_in()
    {
        await using var app = await StartAsync(o => o.RenewGracePeriod = GracePeriod);
        var planted = await app.CookieAsync("/set/planted");
        var signedIn = await app.CookieAsync("/signin-renew", planted);
        var newId = KestrelSessionApp.SessionIdOf(signedIn);

        var (user, setId) = await AskAsync(app, "/whoami", planted);

        Assert.True(user == "", $"Within the grace period, the planted session's old cookie is signed in as '{user}'.");
        Assert.True(setId != newId, "The response to the planted session's old cookie carries the signed-in session's new cookie.");
    }

    [Fact]
    public async Task The_old_cookie_of_a_same_user_rotation_is_led_to_the_renewed_session_and_given_its_cookie()
    {
        await using var app = await StartAsync(o => o.RenewGracePeriod = GracePeriod);
        var old = await app.CookieAsync("/signin");
        var rotated = await app.CookieAsync("/rotate", old);
        var newId = KestrelSessionApp.SessionIdOf(rotated);

        var (user, setId) = await AskAsync(app, "/whoami", old);

        Assert.True(user == OverlapEndpoints.User, $"Within the grace period, the old cookie of a same-user rotation is signed in as '{user}', not {OverlapEndpoints.User}.");
        Assert.True(setId == newId, $"The response to the old cookie carries the ID '{setId}', not the renewed session's {newId}.");
    }

    [Fact]
    public async Task The_old_cookie_of_a_sign_out_with_renewal_is_not_led_to_the_renewed_session()
    {
        await using var app = await StartAsync(o => o.RenewGracePeriod = GracePeriod);
        var old = await app.CookieAsync("/signin");
        Assert.Equal("ok", await app.BodyAsync("/set/cart", old));
        var renewed = await app.CookieAsync("/signout-renew", old);
        var newId = KestrelSessionApp.SessionIdOf(renewed);

        var (cart, setId) = await AskAsync(app, "/get/cart", old);

        Assert.True(setId != newId, "The response to the signed-out session's old cookie carries the renewed session's cookie.");
        Assert.True(cart == "", "The signed-out session's old cookie sees the renewed session's values.");
        Assert.True(await app.BodyAsync("/whoami", old) == "", "The signed-out session's old cookie is still signed in.");
    }

    private async Task AssertRenewalWritesNoPlainIdAsync(TimeSpan gracePeriod)
    {
        var inner = await CreateStoreAsync();
        var store = RecordingStore.Over(inner);
        await using var app = await StartAsync(
            o =>
            {
                o.HashIdsInStore = true;
                o.RenewGracePeriod = gracePeriod;
            },
            store: store);
        var old = await app.CookieAsync("/signin");
        var rotated = await app.CookieAsync("/rotate", old);
        string[] ids = [KestrelSessionApp.SessionIdOf(old), KestrelSessionApp.SessionIdOf(rotated)];
        if (gracePeriod > TimeSpan.Zero)
        {
            Assert.True(await app.BodyAsync("/whoami", old) == OverlapEndpoints.User, "With hashed IDs, the old cookie is not led to the renewed session within the grace period.");
        }

        var seen = store.Written.ToList();
        if (inner is IEnumerableSessionStore enumerable)
        {
            foreach (var (key, data) in await enumerable.AllAsync())
            {
                seen.Add(key);
                seen.Add(data.ToJson());
            }
        }

        var leaks = seen.Where(text => ids.Any(id => text.Contains(id, StringComparison.Ordinal))).ToList();
        Assert.True(leaks.Count == 0, $"With HashIdsInStore, the store was given a plain session ID: {string.Join(" | ", leaks)}");
    }

    [Fact]
    public async Task With_hashed_ids_a_renewal_without_a_grace_period_writes_no_plain_id_to_the_store()
    {
        await AssertRenewalWritesNoPlainIdAsync(TimeSpan.Zero);
    }

    [Fact]
    public async Task With_hashed_ids_a_renewal_with_a_grace_period_writes_no_plain_id_to_the_store_and_the_old_cookie_still_works()
    {
        await AssertRenewalWritesNoPlainIdAsync(GracePeriod);
    }

    private async Task AssertRefusedAfterTheResponseStartedAsync(string operation)
    {
        var outcome = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await StartAsync(_ => { }, outcome);
        var cookie = await app.CookieAsync("/signin");
        Assert.Equal("ok", await app.BodyAsync("/set/cart", cookie));

        using (var response = await app.GetAsync($"/started/{operation}", cookie))
        {
            await response.Content.ReadAsStringAsync();
        }

        var exception = await Gate.WithinTimeoutAsync(outcome.Task, $"the endpoint to report the outcome of {operation}");
        Assert.True(exception is InvalidOperationException, $"After the response started, {operation} ended with {exception?.GetType().Name ?? "no exception"}, not InvalidOperationException.");
        Assert.True(await app.BodyAsync("/whoami", cookie) == OverlapEndpoints.User, $"After a refused {operation}, the old cookie no longer finds the user.");
        Assert.True(await app.BodyAsync("/get/cart", cookie) == "set", $"After a refused {operation}, the old cookie no longer finds the session's value.");
    }

    [Fact]
    public async Task RenewIdAsync_after_the_response_started_throws_and_leaves_the_session_intact()
    {
        await AssertRefusedAfterTheResponseStartedAsync("renew");
    }

    [Fact]
    public async Task RegenerateAsync_after_the_response_started_throws_and_leaves_the_session_intact()
    {
        await AssertRefusedAfterTheResponseStartedAsync("regenerate");
    }
}
