using Microsoft.AspNetCore.Builder;

namespace Tessera;

/// <summary>Per-endpoint session behaviour for minimal APIs, route groups and any endpoint convention builder.</summary>
public static class TesseraEndpointConventionBuilderExtensions
{
    /// <summary>Opts the endpoints out of sessions, as <see cref="DisableSessionAttribute"/> does.</summary>
    /// <typeparam name="TBuilder">The builder's type.</typeparam>
    /// <param name="builder">The endpoint or group.</param>
    /// <returns>The builder.</returns>
    public static TBuilder DisableSession<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(endpoint => endpoint.Metadata.Add(new DisableSessionAttribute()));
        return builder;
    }

    /// <summary>Gives the endpoints a read-only session, as <see cref="ReadOnlySessionAttribute"/> does.</summary>
    /// <typeparam name="TBuilder">The builder's type.</typeparam>
    /// <param name="builder">The endpoint or group.</param>
    /// <returns>The builder.</returns>
    public static TBuilder ReadOnlySession<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(endpoint => endpoint.Metadata.Add(new ReadOnlySessionAttribute()));
        return builder;
    }
}
