using Microsoft.Extensions.DependencyInjection;

namespace Tessera.StoreConformance;

/// <summary>
/// What must hold when a request that loaded a session is still in flight while another request
/// signs the user out, extends the cookie or moves the session to a new ID: the in-flight
/// request's own change is kept, and it never undoes the other's. These need conditional
/// writes; a last-write-wins store cannot keep both changes.
/// </summary>
public abstract class OverlappingChangeTests
{
    /// <summary>A store with no sessions in it, used by one test.</summary>
    protected abstract Task<ISessionStore> CreateStoreAsync();

    private static readonly TimeSpan GracePeriod = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_sign_out_is_not_undone_by_a_request_that_loaded_the_session_before_it()
    {
        var store = await CreateStoreAsync();
        var slow = new SlowRequest();
        await using var app = await KestrelSessionApp.StartAsync(store, null, a => OverlapEndpoints.Map(a, slow));
        var cookie = await app.CookieAsync("/signin");

        var inFlight = app.GetAsync("/slow/late", cookie);
        await slow.Loaded.WaitAsync();
        Assert.Equal("ok", await app.BodyAsync("/signout", cookie));
        slow.Proceed.Open();
        await OverlapEndpoints.AssertSucceededAsync(inFlight, "the request in flight during the sign-out");

        Assert.True(await app.BodyAsync("/whoami", cookie) == "", "The request in flight wrote the signed-out user back into the session.");
        Assert.True(await app.BodyAsync("/get/late", cookie) == "set", "The value set by the request in flight was lost.");
        if (store is IUserSessionStore)
        {
            var sessions = await app.Services.GetRequiredService<SessionIndex>().ListAsync(OverlapEndpoints.User);
            Assert.True(sessions.Count == 0, $"After signing out, the user index still lists {sessions.Count} session(s) of {OverlapEndpoints.User}.");
        }
    }

    [Fact]
    public async Task Remember_me_set_while_another_request_is_in_flight_is_not_lost()
    {
        var store = await CreateStoreAsync();
        var slow = new SlowRequest();
        await using var app = await KestrelSessionApp.StartAsync(store, null, a => OverlapEndpoints.Map(a, slow));
        var cookie = await app.CookieAsync("/signin");

        var inFlight = app.GetAsync("/slow/late", cookie);
        await slow.Loaded.WaitAsync();
        Assert.Equal("ok", await app.BodyAsync("/remember/remembered", cookie));
        slow.Proceed.Open();
        await OverlapEndpoints.AssertSucceededAsync(inFlight, "the request in flight while remember-me was set");

        var stored = await store.GetAsync(KestrelSessionApp.SessionIdOf(cookie));
        Assert.NotNull(stored);
        Assert.True(stored.Cookie.OriginalMaxAge == TimeSpan.FromDays(30), $"The stored cookie's maxAge is {stored.Cookie.OriginalMaxAge}: the request in flight undid remember-me (30 days).");
        Assert.True(await app.BodyAsync("/get/remembered", cookie) == "set", "The value set with remember-me was lost.");
        Assert.True(await app.BodyAsync("/get/late", cookie) == "set", "The value set by the request in flight was lost.");
    }

    [Fact]
    public async Task A_request_in_flight_across_a_same_user_id_rotation_keeps_its_change_and_the_user()
    {
        var store = await CreateStoreAsync();
        var slow = new SlowRequest();
        await using var app = await KestrelSessionApp.StartAsync(store, o => o.RenewGracePeriod = GracePeriod, a => OverlapEndpoints.Map(a, slow));
        var cookie = await app.CookieAsync("/signin");

        var inFlight = app.GetAsync("/slow/late", cookie);
        await slow.Loaded.WaitAsync();
        var rotated = await app.CookieAsync("/rotate", cookie);
        Assert.NotEqual(KestrelSessionApp.SessionIdOf(cookie), KestrelSessionApp.SessionIdOf(rotated));
        slow.Proceed.Open();
        await OverlapEndpoints.AssertSucceededAsync(inFlight, "the request in flight during the rotation");

        Assert.True(await app.BodyAsync("/whoami", rotated) == OverlapEndpoints.User, "The rotated session lost its user.");
        Assert.True(await app.BodyAsync("/get/late", rotated) == "set", "The value set by the request in flight is not in the rotated session.");
    }

    [Fact]
    public async Task An_anonymous_request_in_flight_across_a_sign_in_never_writes_into_the_signed_in_session()
    {
        var store = await CreateStoreAsync();
        var slow = new SlowRequest();
        await using var app = await KestrelSessionApp.StartAsync(store, o => o.RenewGracePeriod = GracePeriod, a => OverlapEndpoints.Map(a, slow));
        var anonymous = await app.CookieAsync("/set/before");

        var inFlight = app.GetAsync("/slow/late", anonymous);
        await slow.Loaded.WaitAsync();
        var signedIn = await app.CookieAsync("/signin-renew", anonymous);
        Assert.NotEqual(KestrelSessionApp.SessionIdOf(anonymous), KestrelSessionApp.SessionIdOf(signedIn));
        slow.Proceed.Open();
        await OverlapEndpoints.AssertSucceededAsync(inFlight, "the anonymous request in flight during the sign-in");

        Assert.True(await app.BodyAsync("/whoami", signedIn) == OverlapEndpoints.User, "The signed-in session lost its user.");
        Assert.True(await app.BodyAsync("/get/late", signedIn) == "", "An anonymous request that loaded the session before the sign-in wrote its value into the signed-in session.");
        Assert.True(await app.BodyAsync("/whoami", anonymous) == "", "The old, anonymous cookie leads to a session with the signed-in user.");
    }

    [Fact]
    public async Task Two_requests_renewing_one_session_at_once_within_a_grace_period_both_end_on_one_new_id_with_everything_kept()
    {
        var store = LoadBarrierStore.Over(await CreateStoreAsync());
        await using var app = await KestrelSessionApp.StartAsync(store, o => o.RenewGracePeriod = GracePeriod, a => OverlapEndpoints.Map(a));
        var cookie = await app.CookieAsync("/signin");
        Assert.Equal("ok", await app.BodyAsync("/set/cart", cookie));

        store.Arm(2);
        var responses = await Task.WhenAll(app.GetAsync("/rotate", cookie), app.GetAsync("/rotate", cookie));

        Assert.True(store.Met, "The two renewing requests did not both load the session before either renewed it.");
        foreach (var response in responses)
        {
            Assert.True(response.IsSuccessStatusCode, $"A renewing request answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        var ids = responses.Select(OverlapEndpoints.SessionIdSetBy).ToList();
        Assert.True(ids.All(id => id is not null), "A renewing request set no cookie.");
        Assert.True(ids.Distinct().Count() == 1, $"The two renewals ended on different IDs ({string.Join(", ", ids)}): the session forked.");
        Assert.NotEqual(KestrelSessionApp.SessionIdOf(cookie), ids[0]);
        var renewed = KestrelSessionApp.CookieOf(responses[0]);
        Assert.True(await app.BodyAsync("/whoami", renewed) == OverlapEndpoints.User, "The renewed session lost its user.");
        Assert.True(await app.BodyAsync("/get/cart", renewed) == "set", "The renewed session lost its value.");
    }

    [Fact]
    public async Task Two_requests_renewing_one_session_at_once_without_a_grace_period_leave_exactly_one_session_with_everything_kept()
    {
        var store = LoadBarrierStore.Over(await CreateStoreAsync());
        await using var app = await KestrelSessionApp.StartAsync(store, null, a => OverlapEndpoints.Map(a));
        var cookie = await app.CookieAsync("/signin");
        Assert.Equal("ok", await app.BodyAsync("/set/cart", cookie));
        var oldId = KestrelSessionApp.SessionIdOf(cookie);

        store.Arm(2);
        var responses = await Task.WhenAll(app.GetAsync("/rotate", cookie), app.GetAsync("/rotate", cookie));

        Assert.True(store.Met, "The two renewing requests did not both load the session before either renewed it.");
        var newIds = responses.Select(OverlapEndpoints.SessionIdSetBy).OfType<string>().Where(id => id != oldId).Distinct().ToList();
        var carrying = new List<string>();
        foreach (var id in newIds)
        {
            if ((await store.GetAsync(id))?.TryGetRawValue("cart", out _) == true)
            {
                carrying.Add(id);
            }
        }

        Assert.True(carrying.Count == 1, $"{carrying.Count} of the new IDs ({string.Join(", ", newIds)}) carry the session's data; exactly one must.");
        Assert.True(await store.GetAsync(oldId) is null, "The old ID still finds a session after the renewals.");
        Assert.True(await app.BodyAsync("/whoami", cookie) == "", "The old cookie still leads to the signed-in user.");
        var survivor = KestrelSessionApp.CookieOf(responses.First(r => OverlapEndpoints.SessionIdSetBy(r) == carrying[0]));
        Assert.True(await app.BodyAsync("/whoami", survivor) == OverlapEndpoints.User, "The surviving session lost its user.");
        Assert.True(await app.BodyAsync("/get/cart", survivor) == "set", "The surviving session lost its value.");
    }
}
