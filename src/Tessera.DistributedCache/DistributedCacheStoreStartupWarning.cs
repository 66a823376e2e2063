using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Tessera;

/// <summary>
/// Says once, when the application starts, what the application gives up by keeping its
/// sessions in a <see cref="DistributedCacheStore"/>, if that is the store Tessera uses.
/// </summary>
internal sealed class DistributedCacheStoreStartupWarning(IServiceProvider services, ILogger<DistributedCacheStore> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var store = services.GetService<IOptions<TesseraOptions>>()?.Value.Store ?? services.GetService<ISessionStore>();
        if (store is DistributedCacheStore distributed)
        {
            DistributedCacheStoreLog.DegradedGuarantees(logger, distributed.Cache.GetType().Name);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
