using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tessera.DependencyInjection;

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

    /// <summary>
    /// Uses a <see cref="MemoryStore"/>, with options from the <c>Tessera:Memory</c> configuration
    /// section and then <paramref name="configure"/>, validated when the application starts.
    /// </summary>
    /// <param name="configure">Sets the options.</param>
    /// <returns>This builder.</returns>
    public TesseraBuilder AddMemoryStore(Action<MemoryStoreOptions>? configure = null)
    {
        AddStoreOptions(MemorySection, configure, static o => MemoryStore.Validate(o));
        return UseStore(sp => new MemoryStore(sp.GetRequiredService<IOptions<MemoryStoreOptions>>().Value, sp.GetService<TimeProvider>(), sp.GetService<ILogger<MemoryStore>>(), sp.GetService<IMeterFactory>()));
    }

    /// <summary>
    /// Registers a store's options through the options pattern, for a store package's
    /// <c>Add…Store</c> method: they are bound from the <c>Tessera:</c><paramref name="sectionName"/>
    /// configuration section (when the host has configuration), then set by
    /// <paramref name="configure"/>, and validated by <paramref name="validate"/> when the
    /// application starts. The store reads them from <see cref="IOptions{TOptions}"/>.
    /// </summary>
    /// <typeparam name="TOptions">The store's options.</typeparam>
    /// <param name="sectionName">The name of the store's section under <c>Tessera</c>, for example <c>Redis</c>.</param>
    /// <param name="configure">Sets the options, after the configuration section.</param>
    /// <param name="validate">Checks the options, throwing an <see cref="ArgumentException"/> that names the option at fault; its message stops the application from starting.</param>
    /// <returns>The options builder, for more configuration or validation.</returns>
    public OptionsBuilder<TOptions> AddStoreOptions<[DynamicallyAccessedMembers(BoundMembers)] TOptions>(string sectionName, Action<TOptions>? configure = null, Action<TOptions>? validate = null)
        where TOptions : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sectionName);
        var options = Services.AddOptions<TOptions>();
        var path = TesseraConfigurationBinding.SectionName + ConfigurationPath.KeyDelimiter + sectionName;

        // The section first, so that the delegate has the last word.
        options.Configure<IServiceProvider>((value, services) => Bind(services, path, value));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (validate is not null)
        {
            Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>>(new StoreOptionsValidator<TOptions>(validate)));
        }

        return options.ValidateOnStart();
    }

    /// <summary>What binding a store's options reads of their type: its constructor and its public properties.</summary>
    private const DynamicallyAccessedMemberTypes BoundMembers = DynamicallyAccessedMemberTypes.PublicParameterlessConstructor | DynamicallyAccessedMemberTypes.PublicProperties;

    // Binds the store's section when the host has configuration.
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The options type's public properties are kept by its DynamicallyAccessedMembers annotation; store options are strings, numbers, booleans, enums and TimeSpans.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Store options need no generic instantiation over a value type: strings, numbers, booleans, enums and TimeSpans.")]
    private static void Bind<[DynamicallyAccessedMembers(BoundMembers)] TOptions>(IServiceProvider services, string path, TOptions value)
        where TOptions : class
        => services.GetService<IConfiguration>()?.GetSection(path).Bind(value);

    /// <summary>The configuration section of the <see cref="MemoryStore"/>'s options, under <c>Tessera</c>.</summary>
    internal const string MemorySection = "Memory";
}
