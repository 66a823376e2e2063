using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tessera;

/// <summary>Configures Tessera after <c>AddTessera</c>; store packages add their <c>Add…Store</c> methods to it.</summary>
public sealed class TesseraBuilder
{
    internal TesseraBuilder(IServiceCollection services)
    {
        Services = services;
    }

    /// <summary>The application's services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Uses <paramref name="store"/> as the session store.</summary>
    /// <param name="store">The store.</param>
    /// <returns>This builder.</returns>
    public TesseraBuilder UseStore(ISessionStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        Services.AddSingleton(store);
        return this;
    }

    /// <summary>Uses a store created from the application's services.</summary>
    /// <param name="factory">Creates the store.</param>
    /// <returns>This builder.</returns>
    public TesseraBuilder UseStore(Func<IServiceProvider, ISessionStore> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.AddSingleton(factory);
        return this;
    }

    /// <summary>Configures the default <see cref="MemoryStore"/>.</summary>
    /// <param name="configure">Sets the options.</param>
    /// <returns>This builder.</returns>
    public TesseraBuilder AddMemoryStore(Action<MemoryStoreOptions>? configure = null)
    {
        var options = new MemoryStoreOptions();
        configure?.Invoke(options);
        return UseStore(sp => new MemoryStore(options, sp.GetService<TimeProvider>(), sp.GetService<ILogger<MemoryStore>>(), sp.GetService<IMeterFactory>()));
    }
}
