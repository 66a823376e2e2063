using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Tessera;

/// <summary>Chooses the <see cref="SqliteStore"/> as Tessera's session store.</summary>
public static class SqliteTesseraBuilderExtensions
{
    /// <summary>
    /// Stores sessions in the SQLite file at <paramref name="path"/>, opened (and created with its
    /// schema if need be) when the application starts: a file that cannot be used stops the start
    /// with an <see cref="InvalidOperationException"/> that names it.
    /// </summary>
    /// <param name="builder">Tessera's builder.</param>
    /// <param name="path">The database file, for example <c>App_Data/sessions.db</c>.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The builder.</returns>
    public static TesseraBuilder AddSqliteStore(this TesseraBuilder builder, string path, Action<SqliteStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var options = new SqliteStoreOptions { Path = path };
        configure?.Invoke(options);
        options = SqliteStore.Validate(options);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SqliteStoreStartupCheck>());
        return builder.UseStore(services => new SqliteStore(options, services.GetService<TimeProvider>(), services.GetService<ILogger<SqliteStore>>()));
    }
}
