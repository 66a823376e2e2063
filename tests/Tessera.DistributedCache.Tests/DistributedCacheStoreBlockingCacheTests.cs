using Microsoft.Extensions.Logging;

using Tessera.StoreConformance;

namespace Tessera.DistributedCache.Tests;

/// <summary>
/// The store never blocks its caller and always stops waiting when its token is cancelled, even
/// on a cache that blocks the thread calling it and ignores its token.
/// </summary>
public sealed class DistributedCacheStoreBlockingCacheTests
{
    // How long a step may take before the test gives up on it; no test waits for it to pass.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Calls => ["GetAsync", "SetAsync", "TouchAsync", "DestroyAsync"];

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task A_call_on_a_cache_that_blocks_its_caller_returns_at_once_and_ends_as_cancelled_with_its_token_while_the_cache_is_still_blocked(string call)
    {
        using var cache = new BlockingCache();
        var store = new DistributedCacheStore(cache);
        using var cancellation = new CancellationTokenSource();
        try
        {
            var (task, callerThreadId) = await CallFromItsOwnThreadAsync(() => Call(store, call, cancellation.Token));
            await cache.Entered.WaitAsync(Patience);
            Assert.False(task.IsCompleted);
            Assert.NotEqual(callerThreadId, cache.CallingThreadId);

            await cancellation.CancelAsync();

            var exception = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
            Assert.True(task.IsCanceled);
            Assert.Equal(cancellation.Token, exception.CancellationToken);
            Assert.Equal(1, cache.Blocked);
        }
        finally
        {
            cache.Release();
        }

        await cache.Returned.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_call_whose_token_is_already_cancelled_never_reaches_the_cache()
    {
        using var cache = new BlockingCache();
        var store = new DistributedCacheStore(cache);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetAsync("abc", new CancellationToken(canceled: true)).AsTask());

        Assert.False(cache.Entered.IsCompleted);
    }

    [Fact]
    public async Task An_abandoned_call_that_fails_when_the_cache_returns_is_logged_at_debug_level()
    {
        var logs = new LogCapture();
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        using var cache = new BlockingCache { FailWhenReleased = true };
        var store = new DistributedCacheStore(cache, logger: factory.CreateLogger<DistributedCacheStore>());
        using var cancellation = new CancellationTokenSource();
        var write = store.SetAsync("abc", new SessionData(new SessionCookie { MaxAge = TimeSpan.FromMinutes(10) }), cancellation.Token).AsTask();
        await cache.Entered.WaitAsync(Patience);
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write);

        cache.Release();
        await logs.WhenLogged(304).WaitAsync(Patience);

        var entry = Assert.Single(logs.Entries, entry => entry.EventId.Id == 304);
        Assert.Equal(LogLevel.Debug, entry.Level);
        Assert.Equal("AbandonedCallFailed", entry.EventId.Name);
        Assert.DoesNotContain("abc", entry.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task A_cache_that_honours_its_token_gets_the_calls_token_and_ends_its_call_when_it_is_cancelled(string call)
    {
        var cache = new TokenHonouringCache();
        var store = new DistributedCacheStore(cache);
        using var cancellation = new CancellationTokenSource();
        var task = Call(store, call, cancellation.Token);
        await cache.Entered.WaitAsync(Patience);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        var cacheCall = Assert.Single(cache.Calls);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cacheCall);
    }

    private static Task Call(DistributedCacheStore store, string call, CancellationToken cancellationToken)
    {
        var data = new SessionData(new SessionCookie { MaxAge = TimeSpan.FromMinutes(10) });
        return call switch
        {
            "GetAsync" => store.GetAsync("abc", cancellationToken).AsTask(),
            "SetAsync" => store.SetAsync("abc", data, cancellationToken).AsTask(),
            "TouchAsync" => store.TouchAsync("abc", data, cancellationToken).AsTask(),
            "DestroyAsync" => store.DestroyAsync("abc", cancellationToken).AsTask(),
            _ => throw new ArgumentOutOfRangeException(nameof(call)),
        };
    }

    // Makes the call on a thread of its own, so that a call that blocks its caller fails the test
    // instead of hanging it; returns the call's task and the ID of the thread that made it.
    private static async Task<(Task Task, int ThreadId)> CallFromItsOwnThreadAsync(Func<Task> call)
    {
        var returned = new TaskCompletionSource<(Task, int)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                returned.SetResult((call(), Environment.CurrentManagedThreadId));
            }
            catch (Exception ex)
            {
                returned.SetException(ex);
            }
        })
        {
            IsBackground = true,
        };
        thread.Start();
        try
        {
            return await returned.Task.WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            Assert.Fail("The store's call blocked the thread that made it.");
            throw;
        }
    }
}
