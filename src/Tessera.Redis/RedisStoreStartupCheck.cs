using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Tessera;

/// <summary>
/// Tries the <see cref="RedisStore"/>'s connection when the application starts, if that is the
/// store Tessera uses. Redis may come back later, so an unreachable server does not stop the
/// application: a warning names the endpoint, and the store keeps trying in the background.
/// </summary>
internal sealed class RedisStoreStartupCheck(IServiceProvider services, ILogger<RedisStore> logger) : IHostedService
{
    /// <summary>How long start-up waits for the connection before it warns and goes on.</summary>
    internal static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var store = services.GetService<IOptions<TesseraOptions>>()?.Value.Store ?? services.GetService<ISessionStore>();
        if (store is not RedisStore redis)
        {
            return;
        }

        var (connected, failure) = await redis.TryConnectAsync(ConnectTimeout, cancellationToken);
        if (!connected)
        {
            RedisStoreLog.UnreachableAtStartup(logger, redis.Endpoint, failure);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
