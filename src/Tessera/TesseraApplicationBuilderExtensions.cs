using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tessera.DependencyInjection;
using Tessera.Middleware;
using Tessera.Serialization;

namespace Tessera;

/// <summary>Adds the Tessera middleware to the pipeline.</summary>
public static class TesseraApplicationBuilderExtensions
{
    /// <summary>
    /// Adds the session middleware. Requests after it have a <see cref="Session"/> (when their
    /// path is within the cookie's path and the store is ready).
    /// </summary>
    /// <remarks>
    /// Place it after <c>UseRouting()</c> when routing is explicit, so that endpoint metadata
    /// (<see cref="DisableSessionAttribute"/>, <see cref="ReadOnlySessionAttribute"/>, static
    /// assets) is seen; a <c>WebApplication</c> without an explicit <c>UseRouting()</c> chooses
    /// the endpoint before the application's middleware. Static assets (<c>MapStaticAssets()</c>)
    /// and static files (<c>UseStaticFiles()</c>, before or after it) never reach the store.
    /// </remarks>
    /// <param name="app">The application.</param>
    /// <returns>The application.</returns>
    /// <exception cref="InvalidOperationException"><c>AddTessera</c> was not called.</exception>
    public static IApplicationBuilder UseTessera(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var services = app.ApplicationServices;
        if (services.GetService<TesseraMarker>() is null)
        {
            throw new InvalidOperationException(
                "Tessera's services are not registered: call builder.Services.AddTessera(...) before app.UseTessera().");
        }

        var options = services.GetRequiredService<IOptions<TesseraOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Tessera");
        var metrics = services.GetRequiredService<TesseraMetrics>();
        var store = services.GetRequiredService<GuardedStore>();
        var factory = new SessionFactory(options, time, logger);
        var persistence = new SessionPersistence(options, store, factory, logger, metrics);
        var jsonOptions = TesseraJson.ForSessions(options.JsonSerializerOptions);
        var sessions = new SessionServices(options, factory, persistence, jsonOptions, logger);
        var codec = new SessionCookieCodec(options, logger, metrics);

        // Secrets can be rotated in configuration without a restart; the rest of the options are read once.
        SecretsReload.Watch(
            services.GetServices<IOptionsChangeTokenSource<TesseraOptions>>(),
            services.GetRequiredService<IOptionsFactory<TesseraOptions>>(),
            codec,
            logger);

        var staticFiles = new StaticFileProbe(services.GetService<IWebHostEnvironment>(), services.GetService<IOptions<StaticFileOptions>>()?.Value);
        return app.UseMiddleware<TesseraMiddleware>(codec, sessions, store, metrics, new SessionModeSelector(staticFiles));
    }
}
