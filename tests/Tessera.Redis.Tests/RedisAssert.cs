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
}
