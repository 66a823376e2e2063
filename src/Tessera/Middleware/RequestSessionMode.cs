namespace Tessera.Middleware;

/// <summary>What the request's endpoint allows of the session.</summary>
internal enum RequestSessionMode
{
    /// <summary>Loaded, saved and sent as express-session does.</summary>
    ReadWrite,

    /// <summary>Loaded, never written, touched or sent (<see cref="ReadOnlySessionAttribute"/>).</summary>
    ReadOnly,

    /// <summary>No session at all (<see cref="DisableSessionAttribute"/>, a static asset or a static file).</summary>
    Disabled,
}
