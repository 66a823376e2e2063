using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace Tessera.Cookies;

/// <summary>
/// Cookie values that passed verification, so that a returning visitor's cookie costs a
/// constant-time comparison instead of one HMAC per secret. A value is added only after its
/// signature and its ID were accepted; a signature stays valid for as long as the secrets do,
/// and a change of secrets starts a new table.
/// </summary>
/// <remarks>
/// <para>
/// An array of slots in pairs: a value may sit in either slot of the pair its randomized string
/// hash chooses, so two values that land on the same pair do not evict each other. Lookups take
/// no lock and allocate nothing, and a value that lost its slot is simply verified again.
/// </para>
/// <para>
/// A value whose pair is full takes one of its slots only every <see cref="EvictEvery"/>th time
/// a pair is found full. Were every such value to evict one, three visitors whose cookies share a
/// pair and who return in turn would each evict the next one due, and all three would be verified
/// on every request; kept for a while, two of them are found. A value that keeps coming back is
/// soon placed all the same.
/// </para>
/// <para>
/// The table starts small and doubles, up to a bound, each time values have found their pair
/// full as many times as it has slots: an application whose returning visitors outnumber the
/// table is then not verifying most cookies again. Memory stays bounded whatever the traffic: at
/// most the bound's slots, each holding one entry (the cookie value, the ID, about 300 bytes for a
/// default ID).
/// </para>
/// </remarks>
internal sealed class VerifiedCookieCache
{
    /// <summary>The default starting number of slots.</summary>
    public const int DefaultCapacity = 8192;

    /// <summary>The default bound: 65,536 slots, about 20 MB once every slot holds a default ID's entry.</summary>
    public const int DefaultMaxCapacity = 65_536;

    /// <summary>How many times a value must find its pair full for one to take a slot of it.</summary>
    internal const int EvictEvery = 4;

    private readonly int _maxCapacity;
    private readonly Lock _growing = new();
    private Entry?[] _slots;
    private int _contended; // values that found their pair full since the table last grew

    /// <param name="capacity">The number of slots to start with, rounded up to a power of two (at least two).</param>
    /// <param name="maxCapacity">The number of slots the table may grow to (rounded the same way); at most <paramref name="capacity"/> means it never grows.</param>
    public VerifiedCookieCache(int capacity = DefaultCapacity, int maxCapacity = DefaultMaxCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _slots = new Entry?[SlotsFor(capacity)];
        _maxCapacity = Math.Max(_slots.Length, SlotsFor(Math.Max(maxCapacity, 1)));
    }

    /// <summary>The number of slots now.</summary>
    public int Capacity => Volatile.Read(ref _slots).Length;

    /// <summary>Finds a value verified before.</summary>
    /// <param name="raw">The cookie's value as the request carried it (not decoded).</param>
    /// <param name="entry">What its verification gave.</param>
    public bool TryGet(ReadOnlySpan<char> raw, [NotNullWhen(true)] out Entry? entry)
    {
        var slots = Volatile.Read(ref _slots);
        var first = FirstSlot(raw, slots);
        var found = Volatile.Read(ref slots[first]);
        if (found is null || !ConstantTime.TextEquals(found.Raw, raw))
        {
            found = Volatile.Read(ref slots[first + 1]);
            if (found is null || !ConstantTime.TextEquals(found.Raw, raw))
            {
                entry = null;
                return false;
            }
        }

        entry = found;
        return true;
    }

    /// <summary>
    /// Remembers a verified value in a free slot of its pair; when its pair is full, in place of
    /// one of the two every <see cref="EvictEvery"/>th time a pair is found full, else not at all.
    /// </summary>
    /// <param name="raw">The cookie's value as the request carried it (not decoded).</param>
    /// <param name="id">The session ID it carries.</param>
    /// <param name="resendable">Whether the value is exactly what this application would send for the ID.</param>
    /// <returns>The value's entry, whether the table keeps it or not.</returns>
    public Entry Add(ReadOnlySpan<char> raw, string id, bool resendable)
    {
        var entry = new Entry(raw.ToString(), id, resendable);
        var slots = Volatile.Read(ref _slots);
        var first = FirstSlot(raw, slots);
        if (TryPlace(slots, first, entry))
        {
            return entry;
        }

        var contended = Interlocked.Increment(ref _contended);
        if (contended >= slots.Length && slots.Length < _maxCapacity)
        {
            slots = Grow(slots);
            first = FirstSlot(raw, slots);
            if (TryPlace(slots, first, entry))
            {
                return entry;
            }
        }

        if (contended % EvictEvery == 0)
        {
            Volatile.Write(ref slots[first + ((contended / EvictEvery) & 1)], entry); // alternate, so no value always loses
        }

        return entry;
    }

    /// <summary>Puts <paramref name="entry"/> in a free slot of its pair (from <paramref name="first"/>); false when both are taken.</summary>
    private static bool TryPlace(Entry?[] slots, int first, Entry entry)
    {
        var slot = Volatile.Read(ref slots[first]) is null ? first
            : Volatile.Read(ref slots[first + 1]) is null ? first + 1
            : -1;
        if (slot < 0)
        {
            return false;
        }

        Volatile.Write(ref slots[slot], entry);
        return true;
    }

    /// <summary>
    /// Replaces <paramref name="full"/> with a table twice its size holding its entries, and
    /// returns the table now in use. An entry added to the old table while they are copied may be
    /// lost: it is verified again next time.
    /// </summary>
    private Entry?[] Grow(Entry?[] full)
    {
        lock (_growing)
        {
            var current = Volatile.Read(ref _slots);
            if (!ReferenceEquals(current, full))
            {
                return current; // another thread grew it
            }

            var bigger = new Entry?[full.Length * 2];
            foreach (var entry in full)
            {
                if (entry is not null)
                {
                    // An old pair's entries go to the one or two pairs it splits into: they always fit.
                    TryPlace(bigger, FirstSlot(entry.Raw, bigger), entry);
                }
            }

            Volatile.Write(ref _slots, bigger);
            Volatile.Write(ref _contended, 0);
            return bigger;
        }
    }

    private static int SlotsFor(int capacity) => Math.Max(2, (int)BitOperations.RoundUpToPowerOf2((uint)capacity));

    private static int FirstSlot(ReadOnlySpan<char> raw, Entry?[] slots) => string.GetHashCode(raw) & (slots.Length - 2);

    /// <summary>A verified cookie value and the session ID it carries.</summary>
    internal sealed class Entry(string raw, string id, bool resendable)
    {
        /// <summary>The cookie's value as requests carry it.</summary>
        public string Raw { get; } = raw;

        /// <summary>The session ID.</summary>
        public string Id { get; } = id;

        /// <summary>The value to send back for the same ID, when it is the one this application would sign and encode.</summary>
        public string? ResendValue => resendable ? Raw : null;
    }
}
