using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Tessera.DependencyInjection;

/// <summary>
/// Binds <see cref="TesseraOptions"/> from the <c>Tessera</c> configuration section when the host
/// has configuration, and tells the options monitor when that section reloads (so rotated
/// secrets take effect without a restart). Without configuration it does nothing.
/// </summary>
internal sealed class TesseraConfigurationBinding(IServiceProvider services) : IConfigureOptions<TesseraOptions>, IOptionsChangeTokenSource<TesseraOptions>
{
    public const string SectionName = "Tessera";

    private readonly IConfigurationSection? _section = services.GetService<IConfiguration>()?.GetSection(SectionName);

    public string Name => Options.DefaultName;

    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicProperties, typeof(TesseraOptions))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.PublicParameterlessConstructor, typeof(SessionCookieOptions))]
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The bound types' public properties are kept by DynamicDependency; the values bound are strings, enums, numbers, TimeSpans and a list of strings.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "The values bound need no generic instantiation over a value type: strings, enums, numbers, TimeSpans and a list of strings.")]
    public void Configure(TesseraOptions options) => _section?.Bind(options);

    public IChangeToken GetChangeToken() => _section?.GetReloadToken() ?? new CancellationChangeToken(CancellationToken.None);
}
