namespace Tessera.StoreConformance;

/// <summary>
/// The gates of a request that is held in flight: it opens <see cref="Loaded"/> once it has its
/// session, waits for <see cref="Proceed"/>, makes its change; a request that saves early then
/// opens <see cref="Saved"/> and waits for <see cref="Finish"/> before it ends.
/// </summary>
public sealed class SlowRequest
{
    /// <summary>Opened by the request once its session is loaded.</summary>
    public Gate Loaded { get; } = new("the slow request to load its session");

    /// <summary>Opened by the test to let the request make its change.</summary>
    public Gate Proceed { get; } = new("the test to let the slow request proceed");

    /// <summary>Opened by the request after its early save.</summary>
    public Gate Saved { get; } = new("the slow request to save its session early");

    /// <summary>Opened by the test to let the request end.</summary>
    public Gate Finish { get; } = new("the test to let the slow request end");
}
