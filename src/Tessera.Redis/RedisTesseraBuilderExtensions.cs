using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Tessera;

/// <summary>Chooses the <see cref="RedisStore"/> as Tessera's session store.</summary>
public static class RedisTesseraBuilderExtensions
{
    /// <summary>The configuration section of the store's options, under <c>Tessera</c>: <c>Tessera:Redis</c>.</summary>
    private const string SectionName = "Redis";

    /// <summary>
    /// Stores sessions in Redis through a connection the store opens from
    /// <paramref name="configuration"/> and closes when the application stops. The connection is
    /// tried when the application starts: if Redis cannot be reached, a warning naming its endpoint
    /// is logged and the application starts all the same, the store connecting in the background.
    /// </summary>
    /// <param name="builder">Tessera's builder.</param>
    /// <param name="configuration">The StackExchange.Redis configuration string, for example <c>localhost:6379</c>.</param>
    /// <param name="configure">Sets the options, after the <c>Tessera:Redis</c> configuration section and <paramref name="configuration"/>.</param>
    /// <returns>The builder.</returns>
    public static TesseraBuilder AddRedisStore(this TesseraBuilder builder, string configuration, Action<RedisStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        return builder.AddRedisStore(options =>
        {
            options.Configuration = configuration;
            configure?.Invoke(options);
        });
    }

    /// <summary>
    /// Stores sessions in Redis through the <see cref="IConnectionMultiplexer"/> registered in the
    /// application's services (which the application owns), or through a connection of the store's
    /// own when <see cref="RedisStoreOptions.Configuration"/> is set. The connection is checked
    /// when the application starts: if Redis cannot be reached, a warning naming its endpoint is
    /// logged and the application starts all the same. The options are bound from the
    /// <c>Tessera:Redis</c> configuration section, then set by <paramref name="configure"/>, and
    /// validated when the application starts.
    /// </summary>
    /// <param name="builder">Tessera's builder.</param>
    /// <param name="configure">Sets the options, after the <c>Tessera:Redis</c> configuration section.</param>
    /// <returns>The builder.</returns>
    public static TesseraBuilder AddRedisStore(this TesseraBuilder builder, Action<RedisStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddStoreOptions(SectionName, configure, static options => RedisStore.Validate(options));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RedisStoreStartupCheck>());
        return builder.UseStore(services =>
        {
            var options = services.GetRequiredService<IOptions<RedisStoreOptions>>().Value;
            var time = services.GetService<TimeProvider>();
            var logger = services.GetService<ILogger<RedisStore>>();
            if (!string.IsNullOrWhiteSpace(options.Configuration))
            {
                return new RedisStore(options, time, logger);
            }

            var connection = services.GetService<IConnectionMultiplexer>()
                ?? throw new InvalidOperationException(
                    "AddRedisStore() found no IConnectionMultiplexer in the application's services. Register one "
                    + "(services.AddSingleton<IConnectionMultiplexer>(...)), set RedisStoreOptions.Configuration, "
                    + "or call AddRedisStore(configuration).");
            return new RedisStore(connection, options, time, logger);
        });
    }
}
