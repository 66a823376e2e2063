using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Tessera.DependencyInjection;
using Tessera.Middleware;

namespace Tessera;

/// <summary>Adds a health check of Tessera's session store.</summary>
public static class TesseraHealthChecksBuilderExtensions
{
    /// <summary>
    /// Checks the configured session store: it must say it is ready and answer a read within
    /// <see cref="TesseraOptions.StoreTimeout"/>.
    /// </summary>
    /// <param name="builder">The health checks.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status to report when the store fails; unhealthy by default.</param>
    /// <param name="tags">Tags for filtering checks.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddTesseraStoreCheck(
        this IHealthChecksBuilder builder,
        string name = "tessera-store",
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => new SessionStoreHealthCheck(sp.GetRequiredService<GuardedStore>()),
            failureStatus,
            tags));
    }
}
