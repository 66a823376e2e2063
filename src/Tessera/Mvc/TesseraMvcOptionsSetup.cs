using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ModelBinding.Metadata;
using Microsoft.Extensions.Options;

namespace Tessera.Mvc;

/// <summary>
/// Lets controllers and Razor Pages take a <see cref="Session"/> parameter without
/// <c>[FromServices]</c>. Registered by <c>AddTessera</c>; it runs only when the application
/// uses MVC (MvcOptions are never built otherwise).
/// </summary>
internal sealed class TesseraMvcOptionsSetup : IConfigureOptions<MvcOptions>
{
    public void Configure(MvcOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // Before the body and complex-type binders, which would otherwise try to build a Session.
        options.ModelBinderProviders.Insert(0, new SessionModelBinderProvider());

        // A special binding source, like CancellationToken: [ApiController] does not infer [FromBody]
        // for it, and no value provider is consulted.
        options.ModelMetadataDetailsProviders.Add(new BindingSourceMetadataProvider(typeof(Session), BindingSource.Special));

        // Whether the parameter is Session?, which binds null when the request has no session.
        options.ModelMetadataDetailsProviders.Add(new SessionNullabilityMetadataProvider());

        // The session is not a model to validate.
        options.ModelMetadataDetailsProviders.Add(new SuppressChildValidationMetadataProvider(typeof(Session)));
    }
}
