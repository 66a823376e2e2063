using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Tessera;

/// <summary>
/// Connects to PostgreSQL and puts the <see cref="PostgresStore"/>'s table in place when the
/// application starts, if that is the store Tessera uses: a server that cannot be reached, a login
/// that fails or a table that cannot be used stops the start with a message naming the server, the
/// database and the table (never the password), instead of failing every request later.
/// </summary>
internal sealed class PostgresStoreStartupCheck(IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var store = services.GetService<IOptions<TesseraOptions>>()?.Value.Store ?? services.GetService<ISessionStore>();
        if (store is PostgresStore postgres)
        {
            await postgres.EnsureReadyAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
