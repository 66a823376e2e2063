namespace Tessera;

/// <summary>
/// The memory store's expiry order: the keys of its sessions by the time they are due, in two
/// eviction groups, sessions without a user (anonymous) and sessions with one, so that the store
/// can expire sessions in order without reading them and evict anonymous sessions first. An item
/// may be stale (its session removed, re-scheduled or moved to the other group): the store checks
/// each item it takes against its entry.
/// </summary>
/// <remarks>
/// Sessions mostly share one lifetime and are queued as they are written, so items mostly arrive
/// in the order they are due. Each group keeps those in a first-in, first-out queue (constant time
/// either way) and only the others, due before an item already queued, in a heap.
/// </remarks>
internal sealed class MemoryExpiryQueue
{
    private readonly Group _anonymous = new();
    private readonly Group _user = new();

    /// <summary>The number of items in both groups, stale ones included.</summary>
    public int Count => _anonymous.Count + _user.Count;

    /// <summary>Queues a session's key in its group, due at <paramref name="due"/> (UTC ticks).</summary>
    public void Enqueue(string key, bool anonymous, long due) => GroupOf(anonymous).Enqueue(key, due);

    /// <summary>Whether the group's soonest item is due at or before <paramref name="now"/>.</summary>
    public bool HasDue(bool anonymous, long now) => GroupOf(anonymous).TryPeekDue(out var due) && due <= now;

    /// <summary>Whether the group has any item.</summary>
    public bool Any(bool anonymous) => GroupOf(anonymous).Count > 0;

    /// <summary>Takes the group's soonest item; the group must have one.</summary>
    public (string Key, long Due) Dequeue(bool anonymous) => GroupOf(anonymous).Dequeue();

    /// <summary>Empties both groups.</summary>
    public void Clear()
    {
        _anonymous.Clear();
        _user.Clear();
    }

    private Group GroupOf(bool anonymous) => anonymous ? _anonymous : _user;

    /// <summary>One eviction group: the items in the order they are due, in a queue or a heap.</summary>
    private sealed class Group
    {
        private readonly Queue<(string Key, long Due)> _inOrder = new();
        private readonly PriorityQueue<string, long> _outOfOrder = new();
        private long _lastInOrder;

        public int Count => _inOrder.Count + _outOfOrder.Count;

        public void Enqueue(string key, long due)
        {
            // In order when due no sooner than the queue's last item (any item, when it is empty).
            if (_inOrder.Count == 0 || due >= _lastInOrder)
            {
                _inOrder.Enqueue((key, due));
                _lastInOrder = due;
            }
            else
            {
                _outOfOrder.Enqueue(key, due);
            }
        }

        public bool TryPeekDue(out long due)
        {
            var inOrder = _inOrder.TryPeek(out var first);
            if (_outOfOrder.TryPeek(out _, out var other) && (!inOrder || other < first.Due))
            {
                due = other;
                return true;
            }

            due = first.Due;
            return inOrder;
        }

        public (string Key, long Due) Dequeue()
        {
            var inOrder = _inOrder.TryPeek(out var first);
            if (_outOfOrder.TryPeek(out _, out var other) && (!inOrder || other < first.Due))
            {
                _outOfOrder.TryDequeue(out var key, out var due);
                return (key!, due);
            }

            return _inOrder.Dequeue();
        }

        public void Clear()
        {
            _inOrder.Clear();
            _outOfOrder.Clear();
        }
    }
}
