namespace Tessera.Redis.Tests;

internal static class RedisAssert
{
    /// <summary>
    /// Asserts that a TTL read back from Redis (which counts down on the server's clock from the
    /// moment the key was written) was set to <paramref name="seconds"/>: it is at most that, and
    /// less than a second below it, the time a write and a read take many times over.
    /// </summary>
    public static void TtlIs(long seconds, TimeSpan ttl) =>
        Assert.InRange(ttl.TotalMilliseconds, (seconds * 1000) - 1000 + 1, seconds * 1000);

    /// <summary>
    /// Asserts that a TTL that Redis derived from an earlier write (a script's <c>EXPIRE</c> of that
    /// write's expiry less the server's clock, both in whole seconds) was set to
    /// <paramref name="seconds"/> counted from that write: at most <paramref name="seconds"/>, and
    /// less than a second below it once the whole seconds that may have begun since the write
    /// (<paramref name="sinceWrite"/>, measured from before it, rounded up) are taken off.
    /// </summary>
    public static void TtlIsCountedFrom(long seconds, TimeSpan sinceWrite, TimeSpan ttl) =>
        Assert.InRange(ttl.TotalMilliseconds, ((seconds - (long)Math.Ceiling(sinceWrite.TotalSeconds)) * 1000) - 1000 + 1, seconds * 1000);
}
