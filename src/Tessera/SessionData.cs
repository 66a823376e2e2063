using System.Diagnostics.CodeAnalysis;
using System.Text;
using Tessera.Serialization;

namespace Tessera;

/// <summary>
/// What a store holds for one session: the cookie and the values, as express-session's JSON
/// document (<c>{"cookie":{…},"views":3}</c>). Values are kept as raw UTF-8 JSON, in order, so
/// a document written by express-session is written back byte for byte.
/// </summary>
public sealed class SessionData
{
    /// <summary>The most characters of a User-Agent a session keeps (<see cref="UserAgent"/>).</summary>
    public const int MaxUserAgentLength = 512;

    private readonly OrderedDictionary<string, byte[]> _values;

    /// <summary>Creates an empty document with a default cookie.</summary>
    /// <param name="cookie">The cookie; a browser-session cookie with default attributes when null.</param>
    public SessionData(SessionCookie? cookie = null)
    {
        Cookie = cookie ?? new SessionCookie();
        _values = new OrderedDictionary<string, byte[]>(StringComparer.Ordinal);
    }

    internal SessionData(SessionCookie cookie, OrderedDictionary<string, byte[]> values, int cookieIndex, SessionMetadata? metadata = null)
    {
        Cookie = cookie;
        _values = values;
        CookieIndex = cookieIndex;
        Metadata = metadata;
    }

    /// <summary>The session's cookie.</summary>
    public SessionCookie Cookie { get; internal set; }

    /// <summary>When the session expires, from the cookie; <see langword="null"/> when it has no expiry.</summary>
    public DateTimeOffset? Expires => Cookie.Expires;

    /// <summary>The names of the values, in document order.</summary>
    public IReadOnlyList<string> Keys => _values.Keys;

    /// <summary>The number of values (the cookie is not counted).</summary>
    public int Count => _values.Count;

    /// <summary>
    /// An opaque value that tells which version of the stored session this is: set by the store
    /// that read the document (<see cref="ISessionStore.GetAsync"/>), and by the caller to the
    /// version a write returned, so that a later conditional write
    /// (<see cref="IConditionalSessionStore.TrySetAsync"/>) can tell whether the stored session
    /// changed in between. <see langword="null"/> for a document no store with versions has read or written.
    /// </summary>
    public object? StoreVersion { get; set; }

    /// <summary>
    /// When the store will expire the session, for a store that keeps the expiry apart from the
    /// document (its <see cref="ISessionStore.TouchAsync"/> moves only the expiry): set by
    /// <see cref="ISessionStore.GetAsync"/> to the expiry the store holds now. The runtime reads it
    /// to know when the session was last active (<see cref="TesseraOptions.TouchAfter"/>, the idle
    /// timeout). <see langword="null"/> when the document's cookie is up to date or the store cannot tell.
    /// </summary>
    public DateTimeOffset? StoreExpires { get; set; }

    internal SessionMetadata? Metadata { get; set; }

    /// <summary>
    /// The user the session belongs to (<see cref="Session.UserId"/>), or <see langword="null"/>.
    /// Stores that index sessions by user (<see cref="IUserSessionStore"/>) read it when they write.
    /// </summary>
    public string? UserId
    {
        get => Metadata?.UserId;
        set => (Metadata ??= new SessionMetadata()).UserId = value;
    }

    /// <summary>
    /// When the session was created, when known (recorded with an absolute timeout or a user).
    /// Kept to the millisecond, as it is stored; setting it moves the start of
    /// <see cref="TesseraOptions.AbsoluteTimeout"/>.
    /// </summary>
    public DateTimeOffset? Created
    {
        get => Metadata?.Created;
        set
        {
            if (value is not null || Metadata is not null)
            {
                (Metadata ??= new SessionMetadata()).Created = value is { } created ? SessionCookie.TruncateToMilliseconds(created) : null;
            }
        }
    }

    /// <summary>
    /// The User-Agent of the request that created the session or signed its user in, when
    /// recorded (<see cref="TesseraOptions.RecordUserAgent"/>). At most
    /// <see cref="MaxUserAgentLength"/> characters are kept.
    /// </summary>
    public string? UserAgent
    {
        get => Metadata?.UserAgent;
        set
        {
            if (value is not null || Metadata is not null)
            {
                (Metadata ??= new SessionMetadata()).UserAgent = value is { Length: > MaxUserAgentLength } ? value[..MaxUserAgentLength] : value;
            }
        }
    }

    /// <summary>
    /// When the session's expiry was last re-armed (the last request that touched or saved it,
    /// within <see cref="TesseraOptions.TouchAfter"/>): <see cref="StoreExpires"/>, else the cookie's
    /// expiry, less the cookie's lifetime; <see langword="null"/> for a browser-session cookie.
    /// </summary>
    public DateTimeOffset? LastSeen =>
        (StoreExpires ?? Cookie.Expires) is { } expires && Cookie.OriginalMaxAge is { } lifetime ? expires - lifetime : null;

    /// <summary>The ID this session moved to when its old ID was renewed, while requests with the old ID may follow it.</summary>
    internal string? RenewedTo => Metadata?.RenewedTo;

    // Where "cookie" stands among the top-level properties; express-session puts it first for
    // new sessions and keeps it where the store had it for loaded ones.
    internal int CookieIndex { get; set; }

    internal OrderedDictionary<string, byte[]> Values => _values;

    /// <summary>Gets the raw UTF-8 JSON of a value.</summary>
    /// <param name="key">The value's name.</param>
    /// <param name="utf8Json">The JSON text of the value.</param>
    /// <returns>Whether the value exists.</returns>
    public bool TryGetRawValue(string key, out ReadOnlyMemory<byte> utf8Json)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_values.TryGetValue(key, out var bytes))
        {
            utf8Json = bytes;
            return true;
        }

        utf8Json = default;
        return false;
    }

    /// <summary>Sets a value from raw UTF-8 JSON, which must be one valid JSON value.</summary>
    /// <param name="key">The value's name; <c>cookie</c> is reserved.</param>
    /// <param name="utf8Json">The JSON text of the value.</param>
    /// <exception cref="ArgumentException">The key is <c>cookie</c> or the JSON is not one valid value.</exception>
    public void SetRawValue(string key, ReadOnlySpan<byte> utf8Json)
    {
        SessionKeys.ThrowIfReserved(key);
        SessionDocument.ThrowIfNotSingleValue(utf8Json);
        _values[key] = utf8Json.ToArray();
    }

    /// <summary>Removes a value.</summary>
    /// <param name="key">The value's name.</param>
    /// <returns>Whether it existed.</returns>
    public bool RemoveValue(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _values.Remove(key);
    }

    /// <summary>Parses express-session's JSON document, the cookie's remaining time on the system clock.</summary>
    /// <param name="utf8Json">The document as UTF-8.</param>
    /// <returns>The document.</returns>
    /// <exception cref="FormatException">The text is not a JSON object with a <c>cookie</c> object.</exception>
    public static SessionData Parse(ReadOnlySpan<byte> utf8Json) => Parse(utf8Json, TimeProvider.System);

    /// <summary>Parses express-session's JSON document.</summary>
    /// <param name="utf8Json">The document as UTF-8.</param>
    /// <param name="timeProvider">The clock for the cookie's remaining time; the system clock when null.</param>
    /// <returns>The document.</returns>
    /// <exception cref="FormatException">The text is not a JSON object with a <c>cookie</c> object.</exception>
    public static SessionData Parse(ReadOnlySpan<byte> utf8Json, TimeProvider? timeProvider) =>
        SessionDocument.Read(utf8Json, timeProvider ?? TimeProvider.System);

    /// <summary>Parses express-session's JSON document, the cookie's remaining time on the system clock.</summary>
    /// <param name="json">The document.</param>
    /// <returns>The document.</returns>
    /// <exception cref="FormatException">The text is not a JSON object with a <c>cookie</c> object.</exception>
    public static SessionData Parse(string json) => Parse(json, TimeProvider.System);

    /// <summary>Parses express-session's JSON document.</summary>
    /// <param name="json">The document.</param>
    /// <param name="timeProvider">The clock for the cookie's remaining time; the system clock when null.</param>
    /// <returns>The document.</returns>
    /// <exception cref="FormatException">The text is not a JSON object with a <c>cookie</c> object.</exception>
    public static SessionData Parse(string json, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(Encoding.UTF8.GetBytes(json), timeProvider);
    }

    /// <summary>Tries to parse express-session's JSON document.</summary>
    /// <param name="utf8Json">The document as UTF-8.</param>
    /// <param name="data">The document, when it parsed.</param>
    /// <param name="timeProvider">The clock for the cookie's remaining time; the system clock when null.</param>
    /// <returns>Whether it parsed.</returns>
    public static bool TryParse(ReadOnlySpan<byte> utf8Json, [NotNullWhen(true)] out SessionData? data, TimeProvider? timeProvider = null)
    {
        try
        {
            data = Parse(utf8Json, timeProvider);
            return true;
        }
        catch (FormatException)
        {
            data = null;
            return false;
        }
    }

    /// <summary>Writes express-session's JSON document as UTF-8.</summary>
    /// <returns>The document.</returns>
    public byte[] ToUtf8Json() => SessionDocument.Write(this);

    /// <summary>Writes express-session's JSON document.</summary>
    /// <returns>The document.</returns>
    public string ToJson() => Encoding.UTF8.GetString(ToUtf8Json());

    /// <inheritdoc/>
    public override string ToString() => ToJson();

    /// <summary>Creates an independent copy of this document.</summary>
    /// <returns>The copy.</returns>
    public SessionData Clone() =>
        new(Cookie.Clone(), new OrderedDictionary<string, byte[]>(_values, StringComparer.Ordinal), CookieIndex, Metadata?.Clone())
        {
            StoreVersion = StoreVersion,
            StoreExpires = StoreExpires,
        };
}
