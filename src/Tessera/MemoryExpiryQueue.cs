namespace Tessera;

/// <summary>
/// The memory store's expiry order: the keys of its sessions by the time they are due, in two
/// eviction groups, sessions without a user (anonymous) and sessions with one, so that the store
/// can expire sessions in order without reading them and evict anonymous sessions first. An item
/// may be stale (its session removed, re-scheduled or moved to the other group): the store checks
/// each item it takes against its entry.
/// </summary>
internal sealed class MemoryExpiryQueue
{
    private readonly PriorityQueue<string, long> _anonymous = new();
    private readonly PriorityQueue<string, long> _user = new();

    /// <summary>The number of items in both groups, stale ones included.</summary>
    public int Count => _anonymous.Count + _user.Count;

    /// <summary>Queues a session's key in its group, due at <paramref name="due"/> (UTC ticks).</summary>
    public void Enqueue(string key, bool anonymous, long due) => Group(anonymous).Enqueue(key, due);

    /// <summary>Whether the group's soonest item is due at or before <paramref name="now"/>.</summary>
    public bool HasDue(bool anonymous, long now) => Group(anonymous).TryPeek(out _, out var due) && due <= now;

    /// <summary>Whether the group has any item.</summary>
    public bool Any(bool anonymous) => Group(anonymous).Count > 0;

    /// <summary>Takes the group's soonest item.</summary>
    public (string Key, long Due) Dequeue(bool anonymous)
    {
        Group(anonymous).TryDequeue(out var key, out var due);
        return (key!, due);
    }

    /// <summary>Empties both groups.</summary>
    public void Clear()
    {
        _anonymous.Clear();
        _user.Clear();
    }

    private PriorityQueue<string, long> Group(bool anonymous) => anonymous ? _anonymous : _user;
}
