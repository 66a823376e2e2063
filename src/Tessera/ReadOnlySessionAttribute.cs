namespace Tessera;

/// <summary>
/// Gives an endpoint (a controller, an action, a Razor page) a read-only session: it is loaded,
/// but never written, touched, renewed or sent as a cookie. Changes made to it in memory are
/// discarded at the end of the request; <see cref="Session.SaveAsync"/>,
/// <see cref="Session.RegenerateAsync"/>, <see cref="Session.RenewIdAsync"/> and
/// <see cref="Session.DestroyAsync"/>, whose purpose is to write, throw
/// <see cref="InvalidOperationException"/>. For minimal APIs and groups use
/// <see cref="TesseraEndpointConventionBuilderExtensions.ReadOnlySession{TBuilder}(TBuilder)"/>.
/// </summary>
/// <remarks>
/// It is endpoint metadata, so the middleware must run after the endpoint is chosen: after
/// <c>UseRouting()</c> when routing is explicit (a <c>WebApplication</c> chooses it before any
/// middleware of the application). A session that is new (no valid cookie) stays unsaved.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class ReadOnlySessionAttribute : Attribute
{
}
