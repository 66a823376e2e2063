using Microsoft.AspNetCore.Http;

namespace Tessera.Middleware;

/// <summary>
/// The bookkeeping of one request's session: its ID and data now, what the request started
/// with, and what the store is known to hold (the last version read or written). The public
/// <see cref="Tessera.Session"/> is a face over it; <see cref="SessionPersistence"/> reads and
/// moves it; the decisions at the end of the request are taken from it.
/// </summary>
internal sealed class SessionState
{
    private SessionSnapshot _requestStart;
    private SessionSnapshot? _stored;
    private bool _storedCountsAsSaved;
    private bool _modifiedEarlier;
    private string? _loadedUserId;
    private bool _policyWritten;

    /// <summary>A session loaded from the store.</summary>
    /// <param name="feature">The request's feature, which names the session the request holds.</param>
    /// <param name="id">The session's ID.</param>
    /// <param name="data">The session, possibly changed already by the load's policies (timeouts).</param>
    /// <param name="stored">The session as the store holds it.</param>
    /// <param name="storedCountsAsSaved">Whether an unchanged session needs no write (express's <c>resave: false</c>).</param>
    public SessionState(TesseraFeature feature, string id, SessionData data, SessionSnapshot stored, bool storedCountsAsSaved)
    {
        Feature = feature;
        Id = OriginalId = id;
        Data = data;
        _requestStart = stored;
        _stored = stored;
        _storedCountsAsSaved = storedCountsAsSaved;
        _loadedUserId = stored.UserId;
    }

    /// <summary>A session the request creates.</summary>
    public SessionState(TesseraFeature feature, string id, SessionData data)
    {
        Feature = feature;
        Id = OriginalId = id;
        Data = data;
        IsNew = true;
        _requestStart = SessionSnapshot.Of(data);
    }

    public TesseraFeature Feature { get; }

    public HttpContext Context => Feature.Context;

    public string Id { get; private set; }

    /// <summary>The ID the request started with.</summary>
    public string OriginalId { get; }

    public SessionData Data { get; private set; }

    public bool IsNew { get; private set; }

    public bool IsDestroyed { get; private set; }

    /// <summary>Whether the store holds a version of this session that this request read or wrote.</summary>
    public bool IsStored => _stored is not null;

    /// <summary>
    /// Whether the session has an ID to be stored and sent under; not when
    /// <see cref="TesseraOptions.GenerateId"/> gave none (the session is then never saved).
    /// </summary>
    public bool HasId => Id.Length > 0;

    /// <summary>The user the store last held for this session, as far as this request knows.</summary>
    public string? StoredUserId => _stored?.UserId;

    /// <summary>
    /// Whether the session's user is not the one it had when this request loaded it, or not the
    /// one the store holds: a sign-in or a sign-out happens in this request.
    /// </summary>
    public bool UserChanged => Data.UserId != _loadedUserId || Data.UserId != _stored?.UserId;

    /// <summary>When the store expired the session as this request found it (for <see cref="TesseraOptions.TouchAfter"/>).</summary>
    public DateTimeOffset? StoredExpires { get; init; }

    /// <summary>
    /// The expiry the load gave the session under <see cref="OriginalId"/> by reading it with a
    /// touch (<see cref="ITouchOnReadSessionStore"/>): a touch at the end of the request to the
    /// same expiry need not be sent again.
    /// </summary>
    public DateTimeOffset? ArmedUntil { get; init; }

    /// <summary>Whether the cookie's lifetime or attributes differ from the stored ones.</summary>
    public bool CookieChanged() => _stored is null || CookieShape.Of(Data.Cookie) != _stored.Cookie;

    /// <summary>Whether <see cref="TesseraOptions.OnCreated"/> was raised for this new session.</summary>
    public bool CreationAnnounced { get; set; }

    /// <summary>Whether this request has decided on re-arming the expiry (it does so once).</summary>
    public bool CookieTouched { get; set; }

    /// <summary>Whether this request re-armed the expiry (false when <see cref="TesseraOptions.TouchAfter"/> throttled it).</summary>
    public bool CookieRearmed { get; set; }

    /// <summary>The request came with the old ID of a renewed session: its cookie must be replaced.</summary>
    public bool ForceCookie { get; set; }

    /// <summary>
    /// Whether the ID, the values or the user differ from what the request started with:
    /// express-session's "modified", which decides whether a new session is saved and an
    /// existing one's cookie is sent.
    /// </summary>
    public bool IsModified() => OriginalId != Id || _modifiedEarlier || !_requestStart.HasValuesAndUserOf(Data);

    /// <summary>
    /// The load changed the session to enforce a policy (its creation time recorded for the
    /// absolute timeout, its lifetime set to the idle timeout): it must be written once.
    /// </summary>
    public bool PolicyApplied { get; init; }

    /// <summary>Whether the store holds the session's data as it is now (written or, without <c>Resave</c>, read by this request).</summary>
    public bool IsSaved() => _storedCountsAsSaved && (!PolicyApplied || _policyWritten) && _stored!.HasDataOf(Data);

    /// <summary>Whether the session counts as saved during this request (express's <c>savedHash</c> is set).</summary>
    public bool HasSavedVersion => _storedCountsAsSaved;

    /// <summary>What this request changed since the store's version it last read or wrote.</summary>
    public SessionChanges Changes() => (_stored ?? _requestStart).ChangesTo(Data);

    /// <summary>The store now holds the session as it is: it becomes the version this request compares with.</summary>
    public void Written()
    {
        _stored = SessionSnapshot.Of(Data);
        _storedCountsAsSaved = true;
        _policyWritten = true;
    }

    /// <summary>
    /// Continues from a newer stored version: <paramref name="latest"/> with this request's
    /// changes applied (and its re-armed expiry). From then on the request compares with
    /// <paramref name="latest"/>, so what it only copied from there is never re-applied.
    /// </summary>
    public void Rebase(SessionData latest, SessionChanges changes)
    {
        _modifiedEarlier |= !_requestStart.HasValuesAndUserOf(Data);
        var stored = SessionSnapshot.Of(latest);
        latest.StoreExpires = null;
        changes.ApplyTo(latest, Data);
        if (CookieRearmed && !changes.Cookie)
        {
            latest.Cookie.ResetMaxAge();
        }

        Data = latest;
        _requestStart = stored;
        _stored = stored;
    }

    /// <summary>Replaces the data with what the store holds now (<see cref="Session.ReloadAsync"/>).</summary>
    public void Reloaded(SessionData data)
    {
        _modifiedEarlier |= !_requestStart.HasValuesAndUserOf(Data);
        var stored = SessionSnapshot.Of(data);
        Data = data;
        _requestStart = stored;
        _stored = stored;
    }

    /// <summary>The session now lives under another ID (renewed here or by another request).</summary>
    public void MoveTo(string id)
    {
        Id = id;
        Feature.SessionId = id;
    }

    /// <summary>Starts over as a new, empty session under a new ID (express's <c>regenerate</c>).</summary>
    public void Restart(string id, SessionData data)
    {
        Id = id;
        Data = data;
        IsNew = true;
        IsDestroyed = false;
        CreationAnnounced = false;
        CookieTouched = false;
        CookieRearmed = false;
        ForceCookie = false;
        _stored = null;
        _storedCountsAsSaved = false;
        _loadedUserId = null;
        Feature.SessionId = id;
        Feature.SessionDestroyed = false;
    }

    /// <summary>The session was destroyed, here or by another request: the request no longer holds it.</summary>
    public void Destroyed()
    {
        IsDestroyed = true;
        if (Feature.Session is { } session && ReferenceEquals(session.State, this))
        {
            Feature.Session = null;
        }

        Feature.SessionDestroyed = true;
    }
}
