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
/// A fixed array of slots, each chosen by the value's randomized string hash: memory is bounded
/// whatever the traffic, lookups take no lock and allocate nothing, and a value that lost its
/// slot to another is simply verified again.
/// </remarks>
internal sealed class VerifiedCookieCache
{
    private readonly Entry?[] _slots;

    /// <param name="capacity">The number of slots, rounded up to a power of two.</param>
    public VerifiedCookieCache(int capacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _slots = new Entry?[(int)BitOperations.RoundUpToPowerOf2((uint)capacity)];
    }

    /// <summary>Finds a value verified before.</summary>
    /// <param name="raw">The cookie's value as the request carried it (not decoded).</param>
    /// <param name="entry">What its verification gave.</param>
    public bool TryGet(ReadOnlySpan<char> raw, [NotNullWhen(true)] out Entry? entry)
    {
        var found = Volatile.Read(ref _slots[Slot(raw)]);
        if (found is not null && ConstantTime.TextEquals(found.Raw, raw))
        {
            entry = found;
            return true;
        }

        entry = null;
        return false;
    }

    /// <summary>Remembers a verified value.</summary>
    /// <param name="raw">The cookie's value as the request carried it (not decoded).</param>
    /// <param name="id">The session ID it carries.</param>
    /// <param name="resendable">Whether the value is exactly what this application would send for the ID.</param>
    public Entry Add(ReadOnlySpan<char> raw, string id, bool resendable)
    {
        var entry = new Entry(raw.ToString(), id, resendable);
        Volatile.Write(ref _slots[Slot(raw)], entry);
        return entry;
    }

    private int Slot(ReadOnlySpan<char> raw) => string.GetHashCode(raw) & (_slots.Length - 1);

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
