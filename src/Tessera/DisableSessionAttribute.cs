namespace Tessera;

/// <summary>
/// Opts an endpoint (a controller, an action, a Razor page) out of sessions: the middleware reads
/// no cookie, makes no store call, wraps no response and sets no cookie, and the request has no
/// session (<see cref="HttpContextSessionExtensions.GetSession(Microsoft.AspNetCore.Http.HttpContext)"/>
/// says why). For minimal APIs and groups use
/// <see cref="TesseraEndpointConventionBuilderExtensions.DisableSession{TBuilder}(TBuilder)"/>.
/// </summary>
/// <remarks>
/// It is endpoint metadata, so the middleware must run after the endpoint is chosen: after
/// <c>UseRouting()</c> when routing is explicit (a <c>WebApplication</c> chooses it before any
/// middleware of the application). It wins over <see cref="ReadOnlySessionAttribute"/>.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class DisableSessionAttribute : Attribute
{
}
