using Microsoft.Extensions.Internal;

namespace Tessera.DistributedCache.Tests;

/// <summary>The memory cache's clock, read from a <see cref="TimeProvider"/>, so that a fake clock moves the cache's expiry too.</summary>
internal sealed class FakeSystemClock(TimeProvider time) : ISystemClock
{
    public DateTimeOffset UtcNow => time.GetUtcNow();
}
