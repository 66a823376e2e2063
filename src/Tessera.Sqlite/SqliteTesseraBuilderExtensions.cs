using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Tessera;

/// <summary>Chooses the <see cref="SqliteStore"/> as Tessera's session store.</summary>
public static class SqliteTesseraBuilderExtensions
{
    /// <summary>The configuration section of the store's options, under <c>Tessera</c>: <c>Tessera:Sqlite</c>.</summary>
    private const string SectionName = "Sqlite";

    /// <summary>
    /// Stores sessions in the SQLite file at <paramref name="path"/>, opened (and created with its
    /// schema if need be) when the application starts: a file that cannot be used stops the start
    /// with an <see cref="InvalidOperationException"/> that names it.
    /// </summary>
    /// <param name="builder">Tessera's builder.</param>
    /// <param name="path">The database file, for example <c>App_Data/sessions.db</c>.</param>
    /// <param name="configure">Sets the options, after the <c>Tessera:Sqlite</c> configuration section and <paramref name="path"/>.</param>
    /// <returns>The builder.</returns>
    public static TesseraBuilder AddSqliteStore(this TesseraBuilder builder, string path, Action<SqliteStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return builder.AddSqliteStore(options =>
        {
            options.Path = path;
            configure?.Invoke(options);
        });
    }

    /// <summary>
    /// Stores sessions in a SQLite file, with options bound from the <c>Tessera:Sqlite</c>
    /// configuration section and then set by <paramref name="configure"/> (one of
    /// <see cref="SqliteStoreOptions.Path"/> and <see cref="SqliteStoreOptions.ConnectionString"/>
    /// is required). The options are validated and the file is opened (and created with its schema
    /// if need be) when the application starts: invalid options or a file that cannot be used stop
    /// the start with a message that names them.
    /// </summary>
    /// <param name="builder">Tessera's builder.</param>
    /// <param name="configure">Sets the options, after the <c>Tessera:Sqlite</c> configuration section.</param>
    /// <returns>The builder.</returns>
    public static TesseraBuilder AddSqliteStore(this TesseraBuilder builder, Action<SqliteStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddStoreOptions(SectionName, configure, static options => SqliteStore.Validate(options));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SqliteStoreStartupCheck>());
        return builder.UseStore(services => new SqliteStore(
            services.GetRequiredService<IOptions<SqliteStoreOptions>>().Value,
            services.GetService<TimeProvider>(),
            services.GetService<ILogger<SqliteStore>>()));
    }
}
