namespace Tessera.Middleware;

/// <summary>A session found in the store for a request.</summary>
/// <param name="Id">Its ID: the cookie's, or the one a renewal led to.</param>
/// <param name="Data">The session, with the load's policies applied.</param>
/// <param name="Stored">The session as the store holds it, before those policies.</param>
/// <param name="Followed">The cookie carried the old ID of a renewed session.</param>
/// <param name="PolicyApplied">A policy changed the session (creation time recorded, lifetime set to the idle timeout): it must be written.</param>
/// <param name="StoredExpires">When the store expires the session, as the load found it.</param>
/// <param name="ArmedUntil">The expiry the load itself gave the session (<see cref="ITouchOnReadSessionStore"/>), if it did.</param>
internal readonly record struct LoadedSession(string Id, SessionData Data, SessionSnapshot Stored, bool Followed, bool PolicyApplied, DateTimeOffset? StoredExpires, DateTimeOffset? ArmedUntil);
