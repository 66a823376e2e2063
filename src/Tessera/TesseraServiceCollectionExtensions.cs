using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tessera.DependencyInjection;
using Tessera.Middleware;
using Tessera.Mvc;

namespace Tessera;

/// <summary>Registers Tessera's services.</summary>
public static class TesseraServiceCollectionExtensions
{
    /// <summary>
    /// Adds Tessera with options bound from the <c>Tessera</c> configuration section (when the
    /// host has configuration) and then <paramref name="configure"/>. The default store is a
    /// <see cref="MemoryStore"/>, with options from the <c>Tessera:Memory</c> section. Options are validated when the application starts. When the
    /// section's <c>Secrets</c> change while the application runs (a reloaded file, a key vault),
    /// the new secrets sign and verify cookies from the next request on; the other options are
    /// read once at start-up.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder to choose the store.</returns>
    public static TesseraBuilder AddTessera(this IServiceCollection services, Action<TesseraOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<TesseraOptions>();

        // The section first, so that the delegate has the last word.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<TesseraOptions>, TesseraConfigurationBinding>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOptionsChangeTokenSource<TesseraOptions>, TesseraConfigurationBinding>());
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TesseraOptions>, TesseraOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        var builder = new TesseraBuilder(services);
        builder.AddStoreOptions<MemoryStoreOptions>(TesseraBuilder.MemorySection, configure: null, static o => MemoryStore.Validate(o));
        services.TryAddSingleton<ISessionStore>(sp => new MemoryStore(sp.GetRequiredService<IOptions<MemoryStoreOptions>>().Value, sp.GetService<TimeProvider>(), sp.GetService<ILogger<MemoryStore>>(), sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<TesseraMarker>();
        services.TryAddEnumerable(ServiceDescriptor.Transient<IConfigureOptions<MvcOptions>, TesseraMvcOptionsSetup>());
        services.TryAddSingleton(sp => new TesseraMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(sp =>
        {
            var value = sp.GetRequiredService<IOptions<TesseraOptions>>().Value;
            return new GuardedStore(
                value.Store ?? sp.GetRequiredService<ISessionStore>(),
                value.StoreTimeout,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("Tessera"),
                sp.GetRequiredService<TesseraMetrics>());
        });
        services.TryAddSingleton(sp => new SessionIndex(
            sp.GetRequiredService<IOptions<TesseraOptions>>(),
            sp.GetRequiredService<GuardedStore>(),
            sp.GetRequiredService<TesseraMetrics>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Tessera")));
        return builder;
    }
}
