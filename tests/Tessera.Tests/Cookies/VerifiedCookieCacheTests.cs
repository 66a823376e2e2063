using Tessera.Cookies;

namespace Tessera.Tests.Cookies;

public sealed class VerifiedCookieCacheTests
{
    private const string Value = "s%3Aapple.D8Y%2BpkTAmeR0PobOhY4G97PRW%2Bj7bUnP%2F5m6%2FOn1MCU";

    [Fact]
    public void A_value_added_is_found_with_its_id()
    {
        var cache = new VerifiedCookieCache();
        cache.Add(Value, "apple", resendable: true);

        Assert.True(cache.TryGet(Value, out var entry));
        Assert.Equal("apple", entry.Id);
        Assert.Equal(Value, entry.ResendValue);
    }

    [Fact]
    public void A_value_never_added_is_not_found()
    {
        var cache = new VerifiedCookieCache();

        Assert.False(cache.TryGet(Value, out var entry));
        Assert.Null(entry);
    }

    [Theory]
    [InlineData("s%3Aapple.D8Y%2BpkTAmeR0PobOhY4G97PRW%2Bj7bUnP%2F5m6%2FOn1MCV")] // last character changed
    [InlineData("s%3Aapple.D8Y%2BpkTAmeR0PobOhY4G97PRW%2Bj7bUnP%2F5m6%2FOn1MC")]  // one character short
    [InlineData("s%3Aapple.D8Y%2BpkTAmeR0PobOhY4G97PRW%2Bj7bUnP%2F5m6%2FOn1MCUx")] // one character more
    [InlineData("S%3Aapple.D8Y%2BpkTAmeR0PobOhY4G97PRW%2Bj7bUnP%2F5m6%2FOn1MCU")]  // case differs
    public void Only_the_exact_value_is_found(string other)
    {
        // One pair of slots: every value lands in it, so a miss can only come from the comparison.
        var cache = new VerifiedCookieCache(capacity: 1);
        cache.Add(Value, "apple", resendable: true);

        Assert.False(cache.TryGet(other, out _));
        Assert.True(cache.TryGet(Value, out _));
    }

    [Fact]
    public void Two_values_that_land_on_the_same_pair_of_slots_are_both_kept()
    {
        // Two slots: one pair, where every value lands.
        var cache = new VerifiedCookieCache(capacity: 2);
        cache.Add(Value, "apple", resendable: true);
        cache.Add("s%3Apear.signature", "pear", resendable: false);

        Assert.True(cache.TryGet(Value, out var apple));
        Assert.Equal("apple", apple.Id);
        Assert.True(cache.TryGet("s%3Apear.signature", out var pear));
        Assert.Equal("pear", pear.Id);
        Assert.Null(pear.ResendValue);
    }

    [Fact]
    public void A_value_whose_pair_is_full_takes_one_of_its_places_only_every_fourth_time_it_finds_it_full()
    {
        var cache = new VerifiedCookieCache(capacity: 2, maxCapacity: 2);
        cache.Add(Value, "apple", resendable: true);
        cache.Add("s%3Apear.signature", "pear", resendable: true);
        for (var i = 1; i < VerifiedCookieCache.EvictEvery; i++)
        {
            var entry = cache.Add("s%3Aplum.signature", "plum", resendable: true);
            Assert.Equal("plum", entry.Id); // the verification's result, kept or not
            Assert.False(cache.TryGet("s%3Aplum.signature", out _));
        }

        cache.Add("s%3Aplum.signature", "plum", resendable: true);

        Assert.True(cache.TryGet("s%3Aplum.signature", out var plum));
        Assert.Equal("plum", plum.Id);
        var kept = new[] { Value, "s%3Apear.signature" }.Count(value => cache.TryGet(value, out _));
        Assert.Equal(1, kept);
    }

    [Fact]
    public void Four_visitors_who_share_a_pair_and_return_in_turn_are_often_found()
    {
        // The way a load test or a crawler cycles through its cookies. Were every value that
        // finds its pair full to evict one, each would evict the next one due and none be found.
        var cache = new VerifiedCookieCache(capacity: 2, maxCapacity: 2);
        var values = new[] { Value, "s%3Apear.signature", "s%3Aplum.signature", "s%3Afig.signature" };
        int found = 0, lookups = 0;
        for (var round = 0; round < 100; round++)
        {
            foreach (var value in values)
            {
                lookups++;
                if (cache.TryGet(value, out _))
                {
                    found++;
                }
                else
                {
                    cache.Add(value, value, resendable: true); // verified again, as the codec does
                }
            }
        }

        Assert.True(found >= lookups / 3, $"{found} of {lookups} lookups found their value.");
    }

    [Fact]
    public void Many_values_are_kept_apart()
    {
        var cache = new VerifiedCookieCache(capacity: 64);
        var values = Enumerable.Range(0, 64).Select(i => $"s%3Aid-{i}.sig-{i}").ToArray();
        foreach (var (value, i) in values.Select((value, i) => (value, i)))
        {
            cache.Add(value, $"id-{i}", resendable: true);
        }

        foreach (var (value, i) in values.Select((value, i) => (value, i)))
        {
            if (cache.TryGet(value, out var entry))
            {
                Assert.Equal($"id-{i}", entry.Id); // a slot never answers for another value
            }
        }
    }

    [Fact]
    public void The_table_doubles_once_values_found_their_pair_full_as_many_times_as_it_has_slots_and_keeps_what_it_held()
    {
        // One pair of slots: the third and fourth values each find it full, and the second time doubles it.
        var cache = new VerifiedCookieCache(capacity: 2, maxCapacity: 8);
        var values = Enumerable.Range(0, 4).Select(i => $"s%3Aid-{i}.sig-{i}").ToArray();
        for (var i = 0; i < 3; i++)
        {
            cache.Add(values[i], $"id-{i}", resendable: true);
        }

        Assert.Equal(2, cache.Capacity);
        cache.Add(values[3], "id-3", resendable: true);

        Assert.Equal(4, cache.Capacity);
        Assert.True(cache.TryGet(values[0], out var first)); // the two the full pair held, in the bigger table
        Assert.Equal("id-0", first.Id);
        Assert.True(cache.TryGet(values[1], out var second));
        Assert.Equal("id-1", second.Id);
        Assert.False(cache.TryGet(values[2], out _)); // it found the pair full once: not kept
    }

    [Fact]
    public void The_table_never_grows_past_its_bound_however_many_values_come()
    {
        var cache = new VerifiedCookieCache(capacity: 2, maxCapacity: 16);
        for (var i = 0; i < 10_000; i++)
        {
            cache.Add($"s%3Aid-{i}.sig-{i}", $"id-{i}", resendable: true);
        }

        Assert.Equal(16, cache.Capacity);
    }

    [Theory]
    [InlineData(16)] // never grows: entries are replaced under the readers all the time
    [InlineData(VerifiedCookieCache.DefaultMaxCapacity)] // grows under the readers, then replaces less
    public void Threads_adding_and_looking_up_distinct_values_at_once_never_get_another_values_entry(int maxCapacity)
    {
        // Few slots for many values.
        var cache = new VerifiedCookieCache(capacity: 16, maxCapacity);
        const int Threads = 8;
        const int Rounds = 20_000;
        using var start = new Barrier(Threads);
        var wrong = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var hits = 0;
        var workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < Rounds; i++)
            {
                var n = i % 32;
                cache.Add($"s%3Aid-{t}-{n}.sig-{t}-{n}", $"id-{t}-{n}", resendable: (n & 1) == 0);
                foreach (var (value, id) in new[]
                {
                    ($"s%3Aid-{t}-{n}.sig-{t}-{n}", $"id-{t}-{n}"),
                    ($"s%3Aid-{(t + 1) % Threads}-{n}.sig-{(t + 1) % Threads}-{n}", $"id-{(t + 1) % Threads}-{n}"),
                })
                {
                    if (cache.TryGet(value, out var entry))
                    {
                        Interlocked.Increment(ref hits);
                        if (entry.Raw != value || entry.Id != id)
                        {
                            wrong.Enqueue($"{value} answered with {entry.Raw} ({entry.Id})");
                        }
                    }
                }
            }
        })).ToList();

        workers.ForEach(worker => worker.Start());
        workers.ForEach(worker => worker.Join());

        Assert.Empty(wrong);
        Assert.True(hits > 0, "No lookup found anything: the test checked nothing.");
    }

    [Fact]
    public void A_capacity_below_one_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new VerifiedCookieCache(capacity: 0));
}
