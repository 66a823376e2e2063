using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Tessera;

/// <summary>Chooses the <see cref="PostgresStore"/> as Tessera's session store.</summary>
public static class PostgresTesseraBuilderExtensions
{
    /// <summary>
    /// Stores sessions in PostgreSQL, in connect-pg-simple's table, through a pooled data source the
    /// store opens from <paramref name="connectionString"/> and closes when the application stops.
    /// The database is reached and the table put in place when the application starts: if that
    /// fails, the start stops with an <see cref="InvalidOperationException"/> naming the server and
    /// the database.
    /// </summary>
    /// <param name="builder">Tessera's builder.</param>
    /// <param name="connectionString">The Npgsql connection string, for example <c>Host=db;Database=app;Username=app;Password=…</c>.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The builder.</returns>
    public static TesseraBuilder AddPostgresStore(this TesseraBuilder builder, string connectionString, Action<PostgresStoreOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return builder.AddPostgresStore(options =>
        {
            options.ConnectionString = connectionString;
            configure?.Invoke(options);
        });
    }

    /// <summary>
    /// Stores sessions in PostgreSQL, in connect-pg-simple's table: through a data source of the
    /// store's own when <see cref="PostgresStoreOptions.ConnectionString"/> is set, else through the
    /// <see cref="NpgsqlDataSource"/> registered in the application's services (which the
    /// application owns). The database is reached and the table put in place when the application starts.
    /// </summary>
    /// <param name="builder">Tessera's builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The builder.</returns>
    public static TesseraBuilder AddPostgresStore(this TesseraBuilder builder, Action<PostgresStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new PostgresStoreOptions();
        configure(options);
        options = PostgresStore.Validate(options);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PostgresStoreStartupCheck>());
        return builder.UseStore(services =>
        {
            var time = services.GetService<TimeProvider>();
            var logger = services.GetService<ILogger<PostgresStore>>();
            if (!string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                return new PostgresStore(options, time, logger);
            }

            var dataSource = services.GetService<NpgsqlDataSource>()
                ?? throw new InvalidOperationException(
                    "AddPostgresStore() found no NpgsqlDataSource in the application's services. Register one "
                    + "(services.AddNpgsqlDataSource(...)), set PostgresStoreOptions.ConnectionString, "
                    + "or call AddPostgresStore(connectionString).");
            return new PostgresStore(dataSource, options, time, logger);
        });
    }
}
