using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Tessera;

/// <summary>Chooses the <see cref="DistributedCacheStore"/> as Tessera's session store.</summary>
public static class DistributedCacheTesseraBuilderExtensions
{
    /// <summary>The configuration section of the store's options, under <c>Tessera</c>: <c>Tessera:DistributedCache</c>.</summary>
    private const string SectionName = "DistributedCache";

    /// <summary>
    /// Stores sessions in the <see cref="IDistributedCache"/> registered in the application's
    /// services (for example with <c>AddStackExchangeRedisCache</c> or
    /// <c>AddDistributedSqlServerCache</c>). When the application starts, a warning is logged once
    /// saying what this store cannot guarantee: parallel requests to one session overwrite each
    /// other's changes (the last write wins), and <see cref="SessionIndex"/> is unavailable.
    /// </summary>
    /// <param name="builder">Tessera's builder.</param>
    /// <param name="configure">Sets the options, after the <c>Tessera:DistributedCache</c> configuration section; they are validated when the application starts.</param>
    /// <returns>The builder.</returns>
    public static TesseraBuilder AddDistributedCacheStore(this TesseraBuilder builder, Action<DistributedCacheStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddStoreOptions(SectionName, configure, static options => DistributedCacheStore.Validate(options));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DistributedCacheStoreStartupWarning>());
        return builder.UseStore(services =>
        {
            var cache = services.GetService<IDistributedCache>()
                ?? throw new InvalidOperationException(
                    "AddDistributedCacheStore() found no IDistributedCache in the application's services. Register one "
                    + "(for example services.AddStackExchangeRedisCache(...), services.AddDistributedSqlServerCache(...) "
                    + "or services.AddDistributedMemoryCache()) before the application starts.");
            return new DistributedCacheStore(cache, services.GetRequiredService<IOptions<DistributedCacheStoreOptions>>().Value, services.GetService<TimeProvider>(), services.GetService<ILogger<DistributedCacheStore>>());
        });
    }
}
