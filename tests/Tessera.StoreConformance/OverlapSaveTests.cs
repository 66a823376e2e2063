using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Tessera.StoreConformance;

/// <summary>
/// What must hold for a session saved before the end of its request, and for a request whose
/// save fails, is cancelled, or whose client goes away: a change is stored once and only once it
/// reached the store, and a later request's write is never lost to an earlier save. These hold on
/// every store, last-write-wins included.
/// </summary>
public abstract class OverlapSaveTests
{
    /// <summary>A store with no sessions in it, used by one test.</summary>
    protected abstract Task<ISessionStore> CreateStoreAsync();

    private static void MapSaveEndpoints(WebApplication app, SlowRequest slow, Gate changed)
    {
        app.MapGet("/slow-save/{key}", async (string key, Session session) =>
        {
            slow.Loaded.Open();
            await slow.Proceed.WaitAsync();
            session.Set(key, "set");
            await session.SaveAsync();
            slow.Saved.Open();
            await slow.Finish.WaitAsync();
            return "ok";
        });
        app.MapGet("/ms/set/{key}", (string key, string? value, HttpContext context) =>
        {
            context.Session.SetString(key, value ?? "set");
            return "ok";
        });
        app.MapGet("/ms/get/{key}", (string key, HttpContext context) => context.Session.GetString(key) ?? "");
        app.MapGet("/ms/slow-commit/{key}", async (string key, HttpContext context) =>
        {
            await context.Session.LoadAsync();
            slow.Loaded.Open();
            await slow.Proceed.WaitAsync();
            context.Session.SetString(key, "set");
            await context.Session.CommitAsync();
            slow.Saved.Open();
            await slow.Finish.WaitAsync();
            return "ok";
        });
        app.MapGet("/signout-until-aborted", async (HttpContext context, Session session) =>
        {
            session.UserId = null;
            await UntilAbortedAsync(context, changed);
            return "ok";
        });
        app.MapGet("/set-until-aborted/{key}", async (string key, HttpContext context, Session session) =>
        {
            session.Set(key, "set");
            await UntilAbortedAsync(context, changed);
            return "ok";
        });
        app.MapGet("/save-failing/{key}", async (string key, Session session) =>
        {
            session.Set(key, "set");
            try
            {
                await session.SaveAsync();
                return "saved";
            }
            catch (SessionStoreException)
            {
                return "failed";
            }
        });
        app.MapGet("/save-cancelled/{key}", async (string key, Session session) =>
        {
            session.Set(key, "set");
            try
            {
                await session.SaveAsync(new CancellationToken(true));
                return "saved";
            }
            catch (OperationCanceledException)
            {
                return "cancelled";
            }
        });
        app.MapGet("/ms/commit-cancelled/{key}", async (string key, HttpContext context) =>
        {
            context.Session.SetString(key, "set");
            try
            {
                await context.Session.CommitAsync(new CancellationToken(true));
                return "saved";
            }
            catch (OperationCanceledException)
            {
                return "cancelled";
            }
        });
    }

    private static async Task UntilAbortedAsync(HttpContext context, Gate changed)
    {
        var aborted = new Gate("the client to go away");
        using var registration = context.RequestAborted.Register(aborted.Open);
        changed.Open();
        try
        {
            await aborted.WaitAsync();
        }
        catch (TimeoutException)
        {
            // The test reports the client that did not go away.
        }
    }

    private static Task<KestrelSessionApp> StartAsync(RecordingStore store, SlowRequest? slow = null, Gate? changed = null) =>
        KestrelSessionApp.StartAsync(store, null, a =>
        {
            OverlapEndpoints.Map(a);
            MapSaveEndpoints(a, slow ?? new SlowRequest(), changed ?? new Gate("the request to make its change"));
        });

    [Fact]
    public async Task A_write_made_after_a_request_saved_early_is_not_lost_when_that_request_ends()
    {
        var slow = new SlowRequest();
        await using var app = await StartAsync(RecordingStore.Over(await CreateStoreAsync()), slow);
        var cookie = await app.CookieAsync("/set/x?value=1");

        var early = app.GetAsync("/slow-save/y", cookie);
        await slow.Loaded.WaitAsync();
        Assert.Equal("ok", await app.BodyAsync("/set/x?value=2", cookie));
        slow.Proceed.Open();
        await slow.Saved.WaitAsync();
        Assert.Equal("ok", await app.BodyAsync("/set/x?value=3", cookie));
        slow.Finish.Open();
        await OverlapEndpoints.AssertSucceededAsync(early, "the request that saved early");

        var x = await app.BodyAsync("/get/x", cookie);
        Assert.True(x == "3", $"x is '{x}', not 3: the request that saved early overwrote the later write when it ended.");
        Assert.True(await app.BodyAsync("/get/y", cookie) == "set", "The value saved early was lost.");
    }

    [Fact]
    public async Task A_write_made_after_a_request_committed_early_through_ISession_is_not_lost_when_that_request_ends()
    {
        var slow = new SlowRequest();
        await using var app = await StartAsync(RecordingStore.Over(await CreateStoreAsync()), slow);
        var cookie = await app.CookieAsync("/ms/set/x?value=1");

        var early = app.GetAsync("/ms/slow-commit/y", cookie);
        await slow.Loaded.WaitAsync();
        Assert.Equal("ok", await app.BodyAsync("/ms/set/x?value=2", cookie));
        slow.Proceed.Open();
        await slow.Saved.WaitAsync();
        Assert.Equal("ok", await app.BodyAsync("/ms/set/x?value=3", cookie));
        slow.Finish.Open();
        await OverlapEndpoints.AssertSucceededAsync(early, "the request that committed early");

        var x = await app.BodyAsync("/ms/get/x", cookie);
        Assert.True(x == "3", $"x is '{x}', not 3: the request that committed early overwrote the later write when it ended.");
        Assert.True(await app.BodyAsync("/ms/get/y", cookie) == "set", "The value committed early was lost.");
    }

    private async Task<(RecordingStore Store, string Id)> SendAndGoAwayAsync(string path, string setup)
    {
        var store = RecordingStore.Over(await CreateStoreAsync());
        var changed = new Gate("the request to make its change");
        await using var app = await StartAsync(store, changed: changed);
        var cookie = await app.CookieAsync(setup);
        var id = KestrelSessionApp.SessionIdOf(cookie);
        var stored = store.StoredTo(id);

        using var goAway = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        var sent = app.Client.SendAsync(request, goAway.Token);
        await changed.WaitAsync();
        await goAway.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sent);

        await stored.WaitAsync();
        return (store, id);
    }

    [Fact]
    public async Task A_sign_out_is_stored_when_the_client_goes_away_before_the_response()
    {
        var (store, id) = await SendAndGoAwayAsync("/signout-until-aborted", "/signin");

        var data = await store.Inner.GetAsync(id);
        Assert.NotNull(data);
        Assert.True(data.UserId is null, $"The stored session still has user '{data.UserId}' after a sign-out whose client went away.");
    }

    [Fact]
    public async Task A_value_is_stored_when_the_client_goes_away_before_the_response()
    {
        var (store, id) = await SendAndGoAwayAsync("/set-until-aborted/late", "/set/before");

        var data = await store.Inner.GetAsync(id);
        Assert.NotNull(data);
        Assert.True(data.TryGetRawValue("late", out _), "The value set by a request whose client went away was not stored.");
    }

    [Fact]
    public async Task A_save_the_store_failed_does_not_count_as_saved()
    {
        var store = RecordingStore.Over(await CreateStoreAsync());
        await using var app = await StartAsync(store);
        var cookie = await app.CookieAsync("/set/before");

        store.FailNextWrite();
        Assert.Equal("failed", await app.BodyAsync("/save-failing/late", cookie));

        Assert.True(await app.BodyAsync("/get/late", cookie) == "set", "After SaveAsync failed, the value was never stored: the session counted as saved.");
    }

    [Fact]
    public async Task A_cancelled_save_does_not_count_as_saved()
    {
        await using var app = await StartAsync(RecordingStore.Over(await CreateStoreAsync()));
        var cookie = await app.CookieAsync("/set/before");

        Assert.Equal("cancelled", await app.BodyAsync("/save-cancelled/late", cookie));

        Assert.True(await app.BodyAsync("/get/late", cookie) == "set", "After SaveAsync was cancelled, the value was never stored: the session counted as saved.");
    }

    [Fact]
    public async Task A_cancelled_ISession_commit_does_not_count_as_saved()
    {
        await using var app = await StartAsync(RecordingStore.Over(await CreateStoreAsync()));
        var cookie = await app.CookieAsync("/ms/set/before");

        Assert.Equal("cancelled", await app.BodyAsync("/ms/commit-cancelled/late", cookie));

        Assert.True(await app.BodyAsync("/ms/get/late", cookie) == "set", "After CommitAsync was cancelled, the value was never stored: the session counted as saved.");
    }
}
