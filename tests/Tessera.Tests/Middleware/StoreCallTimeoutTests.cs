using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tessera.Middleware;

namespace Tessera.Tests.Middleware;

/// <summary>
/// Every store call gets a token cancelled after the store timeout, and is waited for no longer
/// than that unless its store says it honors cancellation. Sources of ended calls are reused on
/// the system clock, and a reused source is always live and armed afresh.
/// </summary>
public sealed class StoreCallTimeoutTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task On_the_system_clock_a_call_after_an_ended_call_reuses_its_timeout_source_live_and_armed()
    {
        var store = new TokenRecordingStore();
        var guarded = Guard(store, TimeProvider.System);

        await guarded.GetAsync("a", CancellationToken.None);
        await guarded.GetAsync("b", CancellationToken.None);

        Assert.Equal(2, store.Tokens.Count);
        Assert.Equal(store.Tokens[0], store.Tokens[1]);
        Assert.False(store.Tokens[1].IsCancellationRequested);
        Assert.True(store.Tokens[1].CanBeCanceled);
    }

    [Fact]
    public async Task On_the_system_clock_a_reused_source_is_armed_afresh_and_times_out_a_call_that_does_not_answer()
    {
        var store = new TokenRecordingStore();
        var guarded = new GuardedStore(store, TimeSpan.FromMilliseconds(200), TimeProvider.System, NullLogger.Instance, new TesseraMetrics(null));

        await guarded.GetAsync("a", CancellationToken.None);
        store.WaitForCancellation = true;
        var failure = await Assert.ThrowsAsync<SessionStoreException>(async () => await guarded.GetAsync("b", CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.IsType<TimeoutException>(failure.InnerException);
        Assert.Equal(store.Tokens[0], store.Tokens[1]);
    }

    [Fact]
    public async Task Calls_in_flight_at_the_same_time_never_share_a_timeout_source_even_after_earlier_calls_ended()
    {
        var store = new TokenRecordingStore();
        var guarded = Guard(store, TimeProvider.System);
        await guarded.GetAsync("earlier", CancellationToken.None); // leaves one source to reuse

        // Two calls overlap: each waits at the store until the test cancels its caller.
        store.WaitForCancellation = true;
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        var one = guarded.GetAsync("one", first.Token);
        var two = guarded.GetAsync("two", second.Token);
        await first.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await one);

        Assert.NotEqual(store.Tokens[1], store.Tokens[2]);
        Assert.True(store.Tokens[1].IsCancellationRequested);
        Assert.False(store.Tokens[2].IsCancellationRequested);
        await second.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await two);
    }

    [Fact]
    public async Task A_call_whose_caller_cancelled_leaves_no_cancelled_source_for_the_next_call()
    {
        var store = new TokenRecordingStore { WaitForCancellation = true };
        var guarded = Guard(store, TimeProvider.System);
        using var caller = new CancellationTokenSource();

        var pending = guarded.GetAsync("a", caller.Token);
        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending);
        store.WaitForCancellation = false;
        await guarded.GetAsync("b", CancellationToken.None);

        Assert.True(store.Tokens[0].IsCancellationRequested);
        Assert.NotEqual(store.Tokens[0], store.Tokens[1]);
        Assert.False(store.Tokens[1].IsCancellationRequested);
    }

    [Fact]
    public async Task On_another_time_provider_every_call_gets_a_source_of_its_own_that_times_out_on_that_clock()
    {
        var time = new FakeTimeProvider();
        var store = new TokenRecordingStore();
        var guarded = Guard(store, time);

        await guarded.GetAsync("a", CancellationToken.None);
        store.WaitForCancellation = true;
        var pending = guarded.GetAsync("b", CancellationToken.None);
        time.Advance(Timeout);

        var failure = await Assert.ThrowsAsync<SessionStoreException>(async () => await pending);
        Assert.IsType<TimeoutException>(failure.InnerException);
        Assert.NotEqual(store.Tokens[0], store.Tokens[1]);
        Assert.False(store.Tokens[0].IsCancellationRequested);
    }

    [Fact]
    public async Task A_store_that_ignores_its_token_is_waited_for_no_longer_than_the_timeout()
    {
        var time = new FakeTimeProvider();
        var store = new TokenRecordingStore { Gate = new TaskCompletionSource() };
        var guarded = Guard(store, time);

        var pending = guarded.GetAsync("a", CancellationToken.None);
        time.Advance(Timeout);

        var failure = await Assert.ThrowsAsync<SessionStoreException>(async () => await pending);
        Assert.IsType<TimeoutException>(failure.InnerException);
        Assert.False(store.Gate.Task.IsCompleted);
        store.Gate.SetResult();
    }

    [Fact]
    public async Task A_store_that_honors_cancellation_ends_a_silent_call_itself_at_the_timeout()
    {
        var time = new FakeTimeProvider();
        var store = new TokenRecordingStore { HonorsCancellation = true, WaitForCancellation = true };
        var guarded = Guard(store, time);

        var pending = guarded.GetAsync("a", CancellationToken.None);
        time.Advance(Timeout);

        var failure = await Assert.ThrowsAsync<SessionStoreException>(async () => await pending);
        Assert.IsType<TimeoutException>(failure.InnerException);
        Assert.True(store.Tokens[0].IsCancellationRequested);
    }

    [Fact]
    public async Task A_store_that_says_it_honors_cancellation_is_awaited_as_it_is_with_no_wait_of_its_own_around_the_call()
    {
        var time = new FakeTimeProvider();
        var store = new TokenRecordingStore { HonorsCancellation = true, Gate = new TaskCompletionSource() };
        var guarded = Guard(store, time);

        var pending = guarded.GetAsync("a", CancellationToken.None);
        time.Advance(Timeout);

        // The store broke its word: its token is cancelled, and the call still waits for it.
        Assert.True(store.Tokens[0].IsCancellationRequested);
        Assert.False(pending.IsCompleted);
        store.Gate.SetResult();
        Assert.Null(await pending);
    }

    private static GuardedStore Guard(ISessionStore store, TimeProvider time) =>
        new(store, Timeout, time, NullLogger.Instance, new TesseraMetrics(null));

    /// <summary>
    /// Records the token of every call; answers at once, only when its token is cancelled, or,
    /// ignoring its token, only when <see cref="Gate"/> opens.
    /// </summary>
    private sealed class TokenRecordingStore : ISessionStore
    {
        public List<CancellationToken> Tokens { get; } = [];

        public bool WaitForCancellation { get; set; }

        public TaskCompletionSource? Gate { get; set; }

        public bool IsReady => true;

        public bool HonorsCancellation { get; set; }

        public async ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default)
        {
            Tokens.Add(cancellationToken);
            if (WaitForCancellation)
            {
                await Task.Delay(System.Threading.Timeout.Infinite, cancellationToken);
            }

            if (Gate is not null)
            {
                await Gate.Task;
            }

            return null;
        }

        public ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<object?>(null);

        public ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
