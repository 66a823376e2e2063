namespace Tessera.Tests.Stores;

/// <summary>
/// The memory store's expiry order: whichever order items are queued in, each group gives them
/// back soonest first, items queued in order and out of order alike.
/// </summary>
public sealed class MemoryExpiryQueueTests
{
    [Fact]
    public void Items_queued_in_the_order_they_are_due_come_back_in_that_order()
    {
        var queue = new MemoryExpiryQueue();
        for (var i = 0; i < 100; i++)
        {
            queue.Enqueue("k" + i, anonymous: true, due: 1_000 + (i / 3)); // runs of equal dues
        }

        var taken = TakeAll(queue, anonymous: true);

        Assert.Equal(Enumerable.Range(0, 100).Select(i => 1_000L + (i / 3)), taken.Select(item => item.Due));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => "k" + i), taken.Select(item => item.Key)); // equal dues: first queued, first out
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Items_queued_in_any_order_come_back_soonest_first_and_none_is_lost(int seed)
    {
        var random = new Random(seed);
        var queue = new MemoryExpiryQueue();
        var queued = new List<(string Key, long Due)>();
        var due = 10_000L;
        for (var i = 0; i < 2_000; i++)
        {
            // Mostly in order (sessions of one lifetime), sometimes sooner (a shorter one, a requeue).
            due += random.Next(0, 3);
            var item = ("k" + i, random.Next(5) == 0 ? due - random.Next(1, 5_000) : due);
            queued.Add(item);
            queue.Enqueue(item.Item1, anonymous: false, item.Item2);
        }

        var taken = TakeAll(queue, anonymous: false);

        Assert.Equal(queued.Select(item => item.Due).Order(), taken.Select(item => item.Due));
        Assert.Equal(queued.OrderBy(item => item.Key, StringComparer.Ordinal), taken.OrderBy(item => item.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void An_item_due_sooner_than_those_already_queued_comes_out_first_and_says_it_is_due()
    {
        var queue = new MemoryExpiryQueue();
        queue.Enqueue("late", anonymous: true, due: 500);
        queue.Enqueue("later", anonymous: true, due: 600);
        queue.Enqueue("early", anonymous: true, due: 100);

        Assert.True(queue.HasDue(anonymous: true, now: 100));
        Assert.False(queue.HasDue(anonymous: true, now: 99));
        Assert.Equal(("early", 100L), queue.Dequeue(anonymous: true));
        Assert.Equal(("late", 500L), queue.Dequeue(anonymous: true));
        queue.Enqueue("between", anonymous: true, due: 550); // before the queue's last item
        Assert.Equal(("between", 550L), queue.Dequeue(anonymous: true));
        Assert.Equal(("later", 600L), queue.Dequeue(anonymous: true));
        Assert.False(queue.Any(anonymous: true));
    }

    [Fact]
    public void The_groups_are_apart_and_clearing_empties_both()
    {
        var queue = new MemoryExpiryQueue();
        queue.Enqueue("anonymous", anonymous: true, due: 200);
        queue.Enqueue("user", anonymous: false, due: 100);

        Assert.Equal(2, queue.Count);
        Assert.False(queue.HasDue(anonymous: true, now: 150));
        Assert.True(queue.HasDue(anonymous: false, now: 150));
        Assert.Equal(("anonymous", 200L), queue.Dequeue(anonymous: true));

        queue.Clear();
        Assert.Equal(0, queue.Count);
        Assert.False(queue.Any(anonymous: false));
        queue.Enqueue("again", anonymous: false, due: 1); // earlier than anything queued before the clear
        Assert.Equal(("again", 1L), queue.Dequeue(anonymous: false));
    }

    private static List<(string Key, long Due)> TakeAll(MemoryExpiryQueue queue, bool anonymous)
    {
        var taken = new List<(string Key, long Due)>();
        while (queue.Any(anonymous))
        {
            taken.Add(queue.Dequeue(anonymous));
        }

        return taken;
    }
}
