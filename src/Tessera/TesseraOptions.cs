using System.Text.Json;
using Tessera.Serialization;
using Microsoft.AspNetCore.Http;

namespace Tessera;

/// <summary>
/// Options of the Tessera session middleware: express-session's option set with .NET types.
/// Validated when the application starts; an invalid value fails start-up with a message that
/// names the option.
/// </summary>
public sealed class TesseraOptions
{
    /// <summary>The default cookie name, express-session's.</summary>
    public const string DefaultName = "connect.sid";

    /// <summary>
    /// The secrets used to sign the session cookie. The first signs; every one is tried when a
    /// cookie is verified, so a new secret can be put first while old cookies stay valid.
    /// At least one non-empty secret is required.
    /// </summary>
    public IList<string> Secrets { get; set; } = [];

    /// <summary>The name of the session cookie.</summary>
    /// <value>Default <c>connect.sid</c>.</value>
    public string Name { get; set; } = DefaultName;

    /// <summary>The attributes of the cookie of a new session.</summary>
    public SessionCookieOptions Cookie { get; set; } = new();

    /// <summary>
    /// Per-request cookie options, express-session's function form of <c>cookie</c>: when set,
    /// it is called with the request and its result replaces <see cref="Cookie"/> for the path
    /// check and for the cookie of a session created by that request.
    /// </summary>
    public Func<HttpContext, SessionCookieOptions>? CookieSelector { get; set; }

    /// <summary>
    /// Generates the ID of a new session from the request. The default makes 24 random bytes
    /// from a CSPRNG, base64url-encoded (32 characters), as express-session does.
    /// A null or empty result is logged as an error (once per request) and, as express-session
    /// does with an ID that is not a string, the request's session works but is never saved and
    /// no cookie is sent; <see cref="Session.RenewIdAsync"/> of a stored session then throws.
    /// </summary>
    public Func<HttpContext, string>? GenerateId { get; set; }

    /// <summary>
    /// How a request is judged secure. <see langword="true"/>: the <c>X-Forwarded-Proto</c>
    /// header is trusted; <see langword="false"/>: only a TLS connection to this server counts;
    /// <see langword="null"/>: ASP.NET's <see cref="HttpRequest.IsHttps"/> (which the forwarded
    /// headers middleware may have set).
    /// </summary>
    /// <value>Default <see langword="null"/>.</value>
    public bool? Proxy { get; set; }

    /// <summary>
    /// Whether a loaded session that was not modified is written back to the store at the end of
    /// every request. When <see langword="false"/> the store's touch is used instead.
    /// </summary>
    /// <value>Default <see langword="false"/> (express-session's deprecated default is <see langword="true"/>).</value>
    public bool Resave { get; set; }

    /// <summary>
    /// Whether the cookie is re-sent (and the expiry re-armed) on every response, not only when
    /// the session changed.
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool Rolling { get; set; }

    /// <summary>
    /// Whether a new session that the request did not modify is saved and given a cookie.
    /// </summary>
    /// <value>Default <see langword="false"/> (express-session's deprecated default is <see langword="true"/>).</value>
    public bool SaveUninitialized { get; set; }

    /// <summary>
    /// The store. When <see langword="null"/> the <see cref="ISessionStore"/> registered in the
    /// service container is used: a <see cref="MemoryStore"/> unless a store package replaced it.
    /// </summary>
    public ISessionStore? Store { get; set; }

    /// <summary>What happens to the stored session when the application detaches it from the request.</summary>
    /// <value>Default <see cref="UnsetBehavior.Keep"/>.</value>
    public UnsetBehavior Unset { get; set; } = UnsetBehavior.Keep;

    /// <summary>
    /// The idle timeout: a session not used for this long expires. The cookie's <c>Expires</c>,
    /// the expiry stored in the document and the store's TTL are all re-armed from it. It is the
    /// server-side name of <see cref="SessionCookieOptions.MaxAge"/>; set one or the other.
    /// Unlike <see cref="SessionCookieOptions.MaxAge"/> alone, the cookie slides: every request
    /// that re-arms the expiry (a save, or a touch that <see cref="TouchAfter"/> lets through)
    /// re-sends the cookie with the new <c>Expires</c>, so a session used at least once per idle
    /// timeout is never dropped by the browser.
    /// </summary>
    /// <value>Default <see langword="null"/> (use <see cref="SessionCookieOptions.MaxAge"/>).</value>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>
    /// The absolute timeout: a session expires this long after it was created however active it
    /// is; renewing its ID does not extend it. The cookie's expiry is capped at that deadline.
    /// </summary>
    /// <value>Default <see langword="null"/> (no absolute limit).</value>
    public TimeSpan? AbsoluteTimeout { get; set; }

    /// <summary>
    /// Throttles touching: an unmodified session's expiry is re-armed (and the store touched) at
    /// most once per this interval, so read-only requests do not write to the store every time.
    /// </summary>
    /// <value>Default <see langword="null"/> (re-armed on every request, as express-session does).</value>
    public TimeSpan? TouchAfter { get; set; }

    /// <summary>
    /// After <see cref="Session.RenewIdAsync"/>, how long the old ID still leads to the renewed
    /// session (and re-issues its cookie), so parallel tabs and requests in flight keep their
    /// session. The old ID can never be written to or renewed again.
    /// </summary>
    /// <value>Default zero: the old ID is rejected at once.</value>
    public TimeSpan RenewGracePeriod { get; set; }

    /// <summary>
    /// How long one store call may take before it counts as failed. Also how long a conditional
    /// write that keeps finding a newer version (another instance committing the same session in
    /// between) goes on trying again after its first conflict, at most 100 times.
    /// </summary>
    /// <value>Default five seconds.</value>
    public TimeSpan StoreTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>What a request gets when the store fails or times out.</summary>
    /// <value>Default <see cref="Tessera.StoreFailure.Throw"/>.</value>
    public StoreFailure StoreFailure { get; set; } = StoreFailure.Throw;

    /// <summary>
    /// Whether a loaded session is written back with a conditional write (when the store supports
    /// it): only this request's changes are applied to the latest stored version, so parallel
    /// requests keep each other's changes and a destroyed session is never written back. A write
    /// that meets a conflict tries again for up to <see cref="StoreTimeout"/>, then fails as a store
    /// call does (<see cref="StoreFailure"/>), having written nothing.
    /// <see langword="false"/> gives express-session's last-write-wins.
    /// </summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool ConditionalWrites { get; set; } = true;

    /// <summary>
    /// Says whether a verified cookie's ID has a format the ID generator could produce; other
    /// IDs are rejected before any store call. When null: with the default generator, exactly 32
    /// base64url characters; with a custom <see cref="GenerateId"/>, any ID of at most 1024 characters.
    /// </summary>
    public Func<string, bool>? ValidateId { get; set; }

    /// <summary>
    /// Whether the store key is the SHA-256 of the session ID (hex) instead of the ID itself, so
    /// that neither the keys nor the timing of store lookups give a session ID away. Stored
    /// sessions can then no longer be shared with a Node.js express-session app.
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool HashIdsInStore { get; set; }

    /// <summary>
    /// Whether a session records the User-Agent of the request that signed its user in
    /// (<see cref="Session.UserId"/>, or a ticket stored by Tessera.Authentication), for
    /// <see cref="SessionIndex"/> listings (<see cref="SessionData.UserAgent"/>).
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool RecordUserAgent { get; set; }

    /// <summary>Called after a new session is first stored. Exceptions are logged, not thrown.</summary>
    public Func<SessionLifecycleEvent, Task>? OnCreated { get; set; }

    /// <summary>Called after <see cref="Session.RenewIdAsync"/> moved a session to a new ID. Exceptions are logged, not thrown.</summary>
    public Func<SessionLifecycleEvent, Task>? OnRenewed { get; set; }

    /// <summary>
    /// Called after a session is destroyed by the application, by <see cref="UnsetBehavior.Destroy"/>,
    /// by <see cref="SessionIndex"/>, or on finding it past its absolute timeout. Best-effort for
    /// expiry: a session that expires in the store unseen raises nothing. Exceptions are logged, not thrown.
    /// </summary>
    public Func<SessionLifecycleEvent, Task>? OnDestroyed { get; set; }

    /// <summary>
    /// How session values are serialized. The default uses camelCase names, writes dates as
    /// JavaScript does (<c>2026-01-02T03:04:05.678Z</c>), does not escape non-ASCII text, and
    /// writes and reads a string holding a lone surrogate as <c>JSON.stringify</c> and
    /// <c>JSON.parse</c> do (<c>"\ud800"</c>), so documents read naturally from Node.js.
    /// </summary>
    public JsonSerializerOptions JsonSerializerOptions { get; set; } = TesseraJson.CreateDefaultOptions();
}
