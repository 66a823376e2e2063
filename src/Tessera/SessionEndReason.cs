namespace Tessera;

/// <summary>Why a session ended, in <see cref="SessionLifecycleEvent.Reason"/>.</summary>
public enum SessionEndReason
{
    /// <summary>The application called <see cref="Session.DestroyAsync"/> or <see cref="Session.RegenerateAsync"/>.</summary>
    Destroyed = 0,

    /// <summary>The application detached the session with <see cref="UnsetBehavior.Destroy"/>.</summary>
    Unset = 1,

    /// <summary>The session passed its <see cref="TesseraOptions.AbsoluteTimeout"/> and was found so by a request.</summary>
    AbsoluteTimeout = 2,

    /// <summary>The session was signed out through <see cref="SessionIndex"/>.</summary>
    Revoked = 3,

    /// <summary>The session was found unused for longer than <see cref="TesseraOptions.IdleTimeout"/> (for example one written by another app with a longer lifetime).</summary>
    IdleTimeout = 4,
}
