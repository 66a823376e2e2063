using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Tessera.Mvc;

/// <summary>
/// Binds an MVC action or Razor Pages handler parameter of type <see cref="Session"/> to the
/// request's session, as <see cref="Session.BindAsync(Microsoft.AspNetCore.Http.HttpContext, System.Reflection.ParameterInfo)"/>
/// does for minimal APIs: a nullable parameter is null when there is no session, a
/// non-nullable one requires a session.
/// </summary>
internal sealed class SessionModelBinder : IModelBinder
{
    public static readonly SessionModelBinder Instance = new();

    public Task BindModelAsync(ModelBindingContext bindingContext)
    {
        ArgumentNullException.ThrowIfNull(bindingContext);
        var context = bindingContext.HttpContext;
        if (context.TryGetSession(out var session))
        {
            bindingContext.Result = ModelBindingResult.Success(session);
        }
        else if (bindingContext.ModelMetadata.AdditionalValues.TryGetValue(SessionNullabilityMetadataProvider.NullableKey, out var nullable) && nullable is true)
        {
            bindingContext.Result = ModelBindingResult.Success(null);
        }
        else
        {
            context.GetSession(); // throws, saying why there is no session
        }

        return Task.CompletedTask;
    }
}
