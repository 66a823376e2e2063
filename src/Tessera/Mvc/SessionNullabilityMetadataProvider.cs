using System.Reflection;
using Microsoft.AspNetCore.Mvc.ModelBinding.Metadata;

namespace Tessera.Mvc;

/// <summary>
/// Records in a <see cref="Session"/> parameter's (or property's) metadata whether it is declared
/// nullable (<c>Session?</c>), for <see cref="SessionModelBinder"/>: MVC computes the metadata once.
/// </summary>
internal sealed class SessionNullabilityMetadataProvider : IDisplayMetadataProvider
{
    /// <summary>The key in <c>ModelMetadata.AdditionalValues</c>: <see langword="true"/> for <c>Session?</c>.</summary>
    public const string NullableKey = "Tessera.Session.Nullable";

    public void CreateDisplayMetadata(DisplayMetadataProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var key = context.Key;
        if (key.ModelType != typeof(Session))
        {
            return;
        }

        var nullability = new NullabilityInfoContext();
        var state = key switch
        {
            { ParameterInfo: { } parameter } => nullability.Create(parameter).ReadState,
            { PropertyInfo: { } property } => nullability.Create(property).ReadState,
            _ => NullabilityState.Unknown,
        };
        context.DisplayMetadata.AdditionalValues[NullableKey] = state == NullabilityState.Nullable;
    }
}
