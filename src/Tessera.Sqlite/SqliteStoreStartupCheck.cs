using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Tessera;

/// <summary>
/// Opens the <see cref="SqliteStore"/>'s file and puts its schema in place when the application
/// starts, if that is the store Tessera uses: a file that cannot be used (a path under a file, a
/// read-only folder, a newer schema) stops the start with a message naming the file, instead of
/// failing every request later.
/// </summary>
internal sealed class SqliteStoreStartupCheck(IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var store = services.GetService<IOptions<TesseraOptions>>()?.Value.Store ?? services.GetService<ISessionStore>();
        if (store is SqliteStore sqlite)
        {
            await sqlite.EnsureReadyAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
