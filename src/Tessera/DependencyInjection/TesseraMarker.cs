namespace Tessera.DependencyInjection;

/// <summary>Registered by <c>AddTessera</c> so that <c>UseTessera</c> can tell it ran.</summary>
internal sealed class TesseraMarker;
