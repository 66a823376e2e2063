using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Tessera.DependencyInjection;

/// <summary>Healthy when the store is ready and answers a read of a key that does not exist within the store timeout.</summary>
internal sealed class SessionStoreHealthCheck(ISessionStore store, TimeSpan timeout) : IHealthCheck
{
    private const string ProbeKey = "tessera-health-check-probe";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var storeName = store.GetType().Name;
        if (!store.IsReady)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The session store {storeName} is not ready.");
        }

        try
        {
            using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeoutSource.CancelAfter(timeout);
            await store.GetAsync(ProbeKey, timeoutSource.Token).AsTask().WaitAsync(timeout, cancellationToken);
            return HealthCheckResult.Healthy($"The session store {storeName} answers.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The session store {storeName} failed: {ex.Message}", ex);
        }
    }
}
