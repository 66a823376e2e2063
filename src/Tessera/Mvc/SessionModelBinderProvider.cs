using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Tessera.Mvc;

/// <summary>Gives <see cref="SessionModelBinder"/> for parameters of type <see cref="Session"/>.</summary>
internal sealed class SessionModelBinderProvider : IModelBinderProvider
{
    public IModelBinder? GetBinder(ModelBinderProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Metadata.ModelType == typeof(Session) ? SessionModelBinder.Instance : null;
    }
}
