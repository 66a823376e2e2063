using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tessera.Authentication;

namespace Tessera;

/// <summary>Keeps ASP.NET Core cookie authentication's tickets in Tessera's session store.</summary>
public static class CookieAuthenticationTesseraBuilderExtensions
{
    /// <summary>
    /// Sets <see cref="CookieAuthenticationOptions.SessionStore"/> of the application's cookie
    /// authentication schemes to Tessera's store: the ticket (the user's claims) stays on the
    /// server, expiring with it, and the authentication cookie carries only a key for it. Each
    /// ticket belongs to the principal's user (<see cref="TesseraTicketStoreOptions.UserIdClaimType"/>),
    /// so with a store that indexes sessions by user (<see cref="IUserSessionStore"/>),
    /// <see cref="SessionIndex"/> lists a user's signed-in devices and signs them out:
    /// the next request with a revoked ticket's cookie is unauthenticated.
    /// </summary>
    /// <param name="builder">Tessera's builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The builder.</returns>
    public static TesseraBuilder AddCookieAuthenticationTicketStore(this TesseraBuilder builder, Action<TesseraTicketStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<TesseraTicketStoreOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o => !string.IsNullOrEmpty(o.UserIdClaimType), "TesseraTicketStoreOptions.UserIdClaimType is empty: name the claim that identifies the user (the default is ClaimTypes.NameIdentifier).")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(sp =>
        {
            var tessera = sp.GetRequiredService<IOptions<TesseraOptions>>().Value;
            return new TesseraTicketStore(
                tessera.Store ?? sp.GetRequiredService<ISessionStore>(),
                tessera,
                sp.GetRequiredService<IOptions<TesseraTicketStoreOptions>>().Value,
                sp.GetService<TimeProvider>() ?? TimeProvider.System,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("Tessera.Authentication"));
        });
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<CookieAuthenticationOptions>, TesseraTicketStoreSetup>());
        return builder;
    }
}
