using System.Net;
using Microsoft.AspNetCore.Http;
using Tessera.StoreConformance;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Guarantees;

/// <summary>
/// A request that waits for another request's write of the same session (the per-session commit
/// lock) waits no longer than <see cref="TesseraOptions.StoreTimeout"/>, even while the other
/// request still holds the lock.
/// </summary>
public sealed class CommitLockTimeoutTests
{
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_request_waiting_for_the_commit_lock_fails_with_503_once_the_store_timeout_passes()
    {
        var time = new TimerWatchingTimeProvider();
        var store = new HeldWriteStore(new MemoryStore(timeProvider: time));
        var lockWait = new TaskCompletionSource<Gate>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await TestApp.StartAsync(
            o =>
            {
                o.StoreTimeout = StoreTimeout;
                o.StoreFailure = StoreFailure.ServiceUnavailable;
            },
            context =>
            {
                var session = context.GetSession();
                session.Set("n", session.Get<int>("n") + 1);
                if (context.Request.Path == "/second")
                {
                    // The request's next timer is its wait for the commit lock: it makes no other
                    // store call before it writes.
                    lockWait.SetResult(time.Watch("the second request to wait for the commit lock"));
                }

                // No body: the response has not started when the write fails, so it can be a 503.
                return Task.CompletedTask;
            },
            store: store,
            time: time);
        var logs = LogSink.Attach(app);
        var cookie = SetCookie.Require(await app.GetAsync("/first"));
        store.Arm();

        var first = app.GetAsync("/first", cookie);
        await store.FirstWriteReached.WaitAsync();
        var second = app.GetAsync("/second", cookie);
        await (await Gate.WithinTimeoutAsync(lockWait.Task, "the second request's handler")).WaitAsync();

        // The first request keeps the lock through a conflict and a retry, each store call
        // shorter than the timeout; the second's wait began before the retry.
        time.Advance(TimeSpan.FromSeconds(1));
        store.Release.Open();
        await store.SecondWriteReached.WaitAsync();
        time.Advance(StoreTimeout - TimeSpan.FromSeconds(1));
        using var secondResponse = await Gate.WithinTimeoutAsync(second, "the request waiting for the commit lock to end");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, secondResponse.StatusCode);
        Assert.Null(SetCookie.First(secondResponse));
        Assert.False(first.IsCompleted, "The first request ended before its retried write timed out: it no longer held the lock.");
        var failure = Assert.IsType<SessionStoreException>(Assert.Single(logs.Named("StoreFailed")).Exception);
        Assert.Contains("Another request's write of the same session", failure.Message, StringComparison.Ordinal);

        time.Advance(TimeSpan.FromSeconds(1));
        using var firstResponse = await Gate.WithinTimeoutAsync(first, "the request whose retried write never completes to time out");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, firstResponse.StatusCode);
    }
}
