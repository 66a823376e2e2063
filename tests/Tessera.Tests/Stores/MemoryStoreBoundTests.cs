using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Stores;

public sealed class MemoryStoreBoundTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private static SessionData Document(FakeTimeProvider time, TimeSpan maxAge, string? userId = null)
    {
        var data = new SessionData(new SessionCookie(time) { MaxAge = maxAge }) { UserId = userId };
        data.SetRawValue("views", "1"u8);
        return data;
    }

    private static async Task<HashSet<string>> LiveAsync(MemoryStore store) => [.. (await store.AllAsync()).Keys];

    [Fact]
    public void The_default_bound_is_one_hundred_thousand_sessions()
    {
        Assert.Equal(100_000, new MemoryStoreOptions().MaxSessions);
        Assert.Equal(MemoryStoreOptions.DefaultMaxSessions, new MemoryStoreOptions().MaxSessions);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void A_bound_that_is_not_positive_is_rejected_with_a_message_naming_the_option(int bound)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryStore(new MemoryStoreOptions { MaxSessions = bound }));

        Assert.Contains("MemoryStoreOptions.MaxSessions must be at least 1", error.Message, StringComparison.Ordinal);
        Assert.Equal(bound, error.ActualValue);
    }

    [Fact]
    public async Task Writing_past_the_bound_evicts_the_soonest_expiring_session_and_never_holds_more_than_the_bound()
    {
        const int Bound = 100;
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(new MemoryStoreOptions { MaxSessions = Bound }, time);
        // The policy as a model: add the session, then drop the soonest-expiring other one while over the bound.
        var model = new Dictionary<string, int>();
        for (var i = 0; i < 2_000; i++)
        {
            var id = "s" + i;
            var minutes = ((i * 7_919) % 2_003) + 1; // distinct lifetimes (2,003 is prime) in a scrambled order
            await store.SetAsync(id, Document(time, TimeSpan.FromMinutes(minutes)));
            model[id] = minutes;
            while (model.Count > Bound)
            {
                model.Remove(model.Where(e => e.Key != id).MinBy(e => e.Value).Key);
            }

            Assert.True(store.EntryCount <= Bound);
        }

        Assert.Equal(Bound, store.EntryCount);
        Assert.Equal(model.Keys.ToHashSet(), await LiveAsync(store));
    }

    [Fact]
    public async Task Rewriting_or_touching_a_stored_session_at_the_bound_evicts_nothing()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(new MemoryStoreOptions { MaxSessions = 2 }, time);
        await store.SetAsync("a", Document(time, TimeSpan.FromMinutes(5)));
        await store.SetAsync("b", Document(time, TimeSpan.FromMinutes(10)));

        await store.SetAsync("a", Document(time, TimeSpan.FromMinutes(1)));
        await store.TouchAsync("b", Document(time, TimeSpan.FromMinutes(2)));
        var read = (await store.GetAsync("a"))!;
        Assert.NotNull(await store.TrySetAsync("a", read, read.StoreVersion!));

        Assert.Equal(["a", "b"], await LiveAsync(store));
    }

    [Fact]
    public async Task A_touch_that_extends_a_session_moves_it_behind_the_others_in_the_eviction_order()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(new MemoryStoreOptions { MaxSessions = 2 }, time);
        await store.SetAsync("active", Document(time, TimeSpan.FromMinutes(10)));
        await store.SetAsync("idle", Document(time, TimeSpan.FromMinutes(10)));

        time.Advance(TimeSpan.FromMinutes(5));
        await store.TouchAsync("active", Document(time, TimeSpan.FromMinutes(10)));
        await store.SetAsync("new", Document(time, TimeSpan.FromMinutes(10)));

        Assert.Equal(["active", "new"], await LiveAsync(store));
    }

    [Fact]
    public async Task Anonymous_sessions_are_evicted_before_sessions_with_a_user_even_if_those_expire_sooner()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(new MemoryStoreOptions { MaxSessions = 3 }, time);
        await store.SetAsync("signed-in", Document(time, TimeSpan.FromMinutes(1), userId: "ada"));
        await store.SetAsync("anonymous-1", Document(time, TimeSpan.FromMinutes(20)));
        await store.SetAsync("anonymous-2", Document(time, TimeSpan.FromMinutes(30)));

        await store.SetAsync("anonymous-3", Document(time, TimeSpan.FromMinutes(40)));

        Assert.Equal(["signed-in", "anonymous-2", "anonymous-3"], await LiveAsync(store));
        Assert.Single(await store.GetUserSessionsAsync("ada"));
    }

    [Fact]
    public async Task A_session_with_a_user_is_evicted_only_when_no_other_anonymous_session_is_left()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(new MemoryStoreOptions { MaxSessions = 2 }, time);
        await store.SetAsync("ada-1", Document(time, TimeSpan.FromMinutes(10), userId: "ada"));
        await store.SetAsync("ada-2", Document(time, TimeSpan.FromMinutes(20), userId: "ada"));

        await store.SetAsync("anonymous", Document(time, TimeSpan.FromMinutes(1)));

        Assert.Equal(["ada-2", "anonymous"], await LiveAsync(store));
        Assert.Equal(["ada-2"], (await store.GetUserSessionsAsync("ada")).Select(s => s.Key));
    }

    [Fact]
    public async Task The_new_session_whose_write_goes_past_the_bound_is_not_the_one_evicted_even_if_it_expires_soonest()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(new MemoryStoreOptions { MaxSessions = 2 }, time);
        await store.SetAsync("late", Document(time, TimeSpan.FromMinutes(30)));
        await store.SetAsync("later", Document(time, TimeSpan.FromMinutes(40)));

        await store.SetAsync("new", Document(time, TimeSpan.FromMinutes(1)));

        Assert.Equal(["later", "new"], await LiveAsync(store));

        await store.SetAsync("newer", Document(time, TimeSpan.FromMinutes(50)));

        Assert.Equal(["later", "newer"], await LiveAsync(store)); // now "new" is the soonest of the others
    }

    [Fact]
    public async Task A_session_that_gains_a_user_moves_to_the_group_evicted_last_and_back_when_it_loses_it()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(new MemoryStoreOptions { MaxSessions = 2 }, time);
        await store.SetAsync("session", Document(time, TimeSpan.FromMinutes(1)));
        await store.SetAsync("session", Document(time, TimeSpan.FromMinutes(1), userId: "ada")); // signs in
        await store.SetAsync("flood-1", Document(time, TimeSpan.FromMinutes(10)));
        await store.SetAsync("flood-2", Document(time, TimeSpan.FromMinutes(10)));

        Assert.Equal(["session", "flood-2"], await LiveAsync(store));

        await store.SetAsync("session", Document(time, TimeSpan.FromMinutes(1))); // signs out
        await store.SetAsync("flood-3", Document(time, TimeSpan.FromMinutes(10)));

        Assert.Equal(["flood-2", "flood-3"], await LiveAsync(store));
    }

    [Fact]
    public async Task Expired_sessions_make_room_before_a_live_one_is_evicted()
    {
        var time = new FakeTimeProvider(Start);
        var sink = new LogSink();
        using var loggers = new LoggerFactory([sink]);
        using var store = new MemoryStore(new MemoryStoreOptions { MaxSessions = 2, SweepInterval = TimeSpan.FromHours(1) }, time, loggers.CreateLogger<MemoryStore>());
        await store.SetAsync("short", Document(time, TimeSpan.FromMinutes(1)));
        await store.SetAsync("long", Document(time, TimeSpan.FromMinutes(60)));

        time.Advance(TimeSpan.FromMinutes(2));
        await store.SetAsync("new", Document(time, TimeSpan.FromMinutes(10)));

        Assert.Equal(["long", "new"], await LiveAsync(store));
        Assert.Empty(sink.Entries); // an expired session is not an eviction
    }

    [Fact]
    public async Task One_warning_is_logged_per_interval_however_many_sessions_are_evicted_and_the_counter_counts_them_all()
    {
        var time = new FakeTimeProvider(Start);
        var sink = new LogSink();
        using var loggers = new LoggerFactory([sink]);
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        long counted = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "tessera.memory_store.evictions" && instrument.Meter.Name == "Tessera" && ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref counted, value));
        listener.Start();
        using var store = new MemoryStore(new MemoryStoreOptions { MaxSessions = 10, SweepInterval = TimeSpan.FromSeconds(10) }, time, loggers.CreateLogger<MemoryStore>(), meters);
        var ids = new List<string>();

        async Task WriteAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var id = DefaultSessionIdGenerator.Generate();
                ids.Add(id);
                await store.SetAsync(id, Document(time, TimeSpan.FromHours(1)));
            }
        }

        await WriteAsync(1_010);                 // 1,000 evictions: the first is reported at once
        time.Advance(TimeSpan.FromSeconds(30));
        await WriteAsync(500);                   // 500 more within the same minute: no line
        var warnings = sink.Entries.Where(e => e.EventId.Name == "SessionsEvicted").ToList();
        Assert.Single(warnings);

        time.Advance(TimeSpan.FromSeconds(40));  // the sweep after the minute reports the other 999 + 500
        warnings = [.. sink.Entries.Where(e => e.EventId.Name == "SessionsEvicted")];
        Assert.Equal(2, warnings.Count);

        await WriteAsync(100);                   // within the minute after that line: no line
        time.Advance(TimeSpan.FromSeconds(40));  // the sweeps within the minute: no line
        Assert.Equal(2, sink.Entries.Count(e => e.EventId.Name == "SessionsEvicted"));
        time.Advance(TimeSpan.FromSeconds(20));
        warnings = [.. sink.Entries.Where(e => e.EventId.Name == "SessionsEvicted")];

        Assert.Equal(3, warnings.Count);
        Assert.All(warnings, w => Assert.Equal(LogLevel.Warning, w.Level));
        Assert.Contains("evicted 1 live sessions", warnings[0].Message, StringComparison.Ordinal);
        Assert.Contains("evicted 1499 live sessions", warnings[1].Message, StringComparison.Ordinal);
        Assert.Contains("evicted 100 live sessions", warnings[2].Message, StringComparison.Ordinal);
        Assert.Equal(1_600, Interlocked.Read(ref counted));
        Assert.Equal(10, store.EntryCount);
        Assert.DoesNotContain(sink.Entries, e => ids.Any(id => e.Message.Contains(id, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_store_without_a_bound_evicts_nothing()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(new MemoryStoreOptions { MaxSessions = null }, time);
        for (var i = 0; i < 1_000; i++)
        {
            await store.SetAsync("s" + i, Document(time, TimeSpan.FromMinutes(1)));
        }

        Assert.Equal(1_000, store.EntryCount);
    }
}
