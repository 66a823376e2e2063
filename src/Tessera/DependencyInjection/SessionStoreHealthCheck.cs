using Microsoft.Extensions.Diagnostics.HealthChecks;
using Tessera.Middleware;

namespace Tessera.DependencyInjection;

/// <summary>
/// Healthy when the store is ready and answers a read of a key that does not exist within the
/// store timeout, through the same guarded path as every request's store calls.
/// </summary>
internal sealed class SessionStoreHealthCheck(GuardedStore store) : IHealthCheck
{
    private const string ProbeKey = "tessera-health-check-probe";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var storeName = store.Name;
        if (!store.IsReady)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The session store {storeName} is not ready.");
        }

        try
        {
            await store.GetAsync(ProbeKey, cancellationToken);
            return HealthCheckResult.Healthy($"The session store {storeName} answers.");
        }
        catch (SessionStoreException ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The session store {storeName} failed: {ex.Message}", ex);
        }
    }
}
