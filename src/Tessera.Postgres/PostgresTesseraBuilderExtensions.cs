using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Tessera;

/// <summary>Chooses the <see cref="PostgresStore"/> as Tessera's session store.</summary>
public static class PostgresTesseraBuilderExtensions
{
    /// <summary>The configuration section of the store's options, under <c>Tessera</c>: <c>Tessera:Postgres</c>.</summary>
    private const string SectionName = "Postgres";

    /// <summary>
    /// Stores sessions in PostgreSQL, in connect-pg-simple's table, through a pooled data source the
    /// store opens from <paramref name="connectionString"/> and closes when the application stops.
    /// The database is reached and the table put in place when the application starts: if that
    /// fails, the start stops with an <see cref="InvalidOperationException"/> naming the server and
    /// the database.
    /// </summary>
    /// <param name="builder">Tessera's builder.</param>
    /// <param name="connectionString">The Npgsql connection string, for example <c>Host=db;Database=app;Username=app;Password=…</c>.</param>
    /// <param name="configure">Sets the options, after the <c>Tessera:Postgres</c> configuration section and <paramref name="connectionString"/>.</param>
    /// <returns>The builder.</returns>
    public static TesseraBuilder AddPostgresStore(this TesseraBuilder builder, string connectionString, Action<PostgresStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return builder.AddPostgresStore(options =>
        {
            options.ConnectionString = connectionString;
            configure?.Invoke(options);
        });
    }

    /// <summary>
    /// Stores sessions in PostgreSQL, in connect-pg-simple's table, with options bound from the
    /// <c>Tessera:Postgres</c> configuration section and then set by <paramref name="configure"/>:
    /// through a data source of the store's own when <see cref="PostgresStoreOptions.ConnectionString"/>
    /// is set, else through the <see cref="NpgsqlDataSource"/> registered in the application's
    /// services (which the application owns). The options are validated and the database is reached
    /// and the table put in place when the application starts: invalid options or a database that
    /// cannot be used stop the start with a message that names them (never the password).
    /// </summary>
    /// <param name="builder">Tessera's builder.</param>
    /// <param name="configure">Sets the options, after the <c>Tessera:Postgres</c> configuration section.</param>
    /// <returns>The builder.</returns>
    public static TesseraBuilder AddPostgresStore(this TesseraBuilder builder, Action<PostgresStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddStoreOptions(SectionName, configure, static options => PostgresStore.Validate(options));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PostgresStoreStartupCheck>());
        return builder.UseStore(services =>
        {
            var options = services.GetRequiredService<IOptions<PostgresStoreOptions>>().Value;
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
