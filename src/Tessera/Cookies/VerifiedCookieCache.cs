using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace Tessera.Cookies;

/// <summary>
/// Cookie values that passed verification, so that a returning visitor's cookie costs a
/// constant-time comparison instead of one HMAC per secret. A value is added only after its
/// signature and its ID were accepted; a signature stays valid for as long as the secrets do,
/// and the secrets of an application never change while it runs.
/// </summary>
/// <remarks>
/// A fixed array of slots in pairs: a value may sit in either slot of the pair its randomized
/// string hash chooses, so two values that land on the same pair do not evict each other. Memory
/// is bounded whatever the traffic, lookups take no lock and allocate nothing, and a value that
/// lost its slot is simply verified again.
/// </remarks>
internal sealed class VerifiedCookieCache
{
    private readonly Entry?[] _slots;
    private int _evictions;

    /// <param name="capacity">The number of slots, rounded up to a power of two (at least two).</param>
    public VerifiedCookieCache(int capacity = 8192)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _slots = new Entry?[Math.Max(2, (int)BitOperations.RoundUpToPowerOf2((uint)capacity))];
    }

    /// <summary>Finds a value verified before.</summary>
    /// <param name="raw">The cookie's value as the request carried it (not decoded).</param>
    /// <param name="entry">What its verification gave.</param>
    public bool TryGet(ReadOnlySpan<char> raw, [NotNullWhen(true)] out Entry? entry)
    {
        var first = FirstSlot(raw);
        var found = Volatile.Read(ref _slots[first]);
        if (found is null || !ConstantTime.TextEquals(found.Raw, raw))
        {
            found = Volatile.Read(ref _slots[first + 1]);
            if (found is null || !ConstantTime.TextEquals(found.Raw, raw))
            {
                entry = null;
                return false;
            }
        }

        entry = found;
        return true;
    }

    /// <summary>Remembers a verified value, in a free slot of its pair, else in place of the one its hash picks.</summary>
    /// <param name="raw">The cookie's value as the request carried it (not decoded).</param>
    /// <param name="id">The session ID it carries.</param>
    /// <param name="resendable">Whether the value is exactly what this application would send for the ID.</param>
    public Entry Add(ReadOnlySpan<char> raw, string id, bool resendable)
    {
        var entry = new Entry(raw.ToString(), id, resendable);
        var hash = string.GetHashCode(raw);
        var first = hash & (_slots.Length - 2);
        var slot = Volatile.Read(ref _slots[first]) is null ? first
            : Volatile.Read(ref _slots[first + 1]) is null ? first + 1
            : first + (Interlocked.Increment(ref _evictions) & 1); // alternate, so no value always loses
        Volatile.Write(ref _slots[slot], entry);
        return entry;
    }

    private int FirstSlot(ReadOnlySpan<char> raw) => string.GetHashCode(raw) & (_slots.Length - 2);

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
