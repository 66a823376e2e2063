using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tessera.Middleware;
using Tessera.Serialization;

namespace Tessera;

/// <summary>
/// The session of the current request: its ID, its cookie and its values, plus express-session's
/// session methods. Values are JSON: <see cref="Set{T}"/> serializes, <see cref="Get{T}"/>
/// deserializes a fresh copy, so a changed object must be <see cref="Set{T}"/> again to be saved.
/// </summary>
/// <remarks>
/// Get it with <see cref="HttpContextSessionExtensions.GetSession(HttpContext)"/> or as a
/// minimal-API parameter. A session belongs to one request and is not thread-safe.
/// Changes are saved when the response ends, following express-session's rules.
/// </remarks>
public sealed class Session
{
    private readonly SessionRuntime _runtime;
    private readonly HttpContext _context;
    private SessionData _data;
    private string? _originalUserId;
    private KeyValuePair<string, byte[]>[]? _savedEntries;
    private string? _savedUserId;

    internal Session(SessionRuntime runtime, HttpContext context, string id, SessionData data, bool isNew)
    {
        _runtime = runtime;
        _context = context;
        _data = data;
        Id = id;
        IsNew = isNew;
        OriginalId = id;
        OriginalEntries = Snapshot();
        _originalUserId = data.UserId;
    }

    /// <summary>The session ID (what the signed cookie carries).</summary>
    public string Id { get; private set; }

    /// <summary>The session's cookie: expiry and attributes.</summary>
    public SessionCookie Cookie => _data.Cookie;

    /// <summary>Whether the session was created by this request rather than loaded from the store.</summary>
    public bool IsNew { get; private set; }

    /// <summary>The names of the session's values, in the order they were first set.</summary>
    public IReadOnlyList<string> Keys => _data.Keys;

    /// <summary>
    /// The signed-in user the session belongs to. Set it at sign-in (together with
    /// <see cref="RenewIdAsync"/>) so that <see cref="SessionIndex"/> can list and sign out the
    /// user's sessions; set it to <see langword="null"/> at sign-out. Changing it is a change of
    /// the session. It is stored in the document's <c>_tessera</c> metadata.
    /// </summary>
    public string? UserId
    {
        get => _data.UserId;
        set
        {
            ThrowIfDestroyed();
            if (value == _data.UserId)
            {
                return;
            }

            _data.UserId = value;
            if (value is not null)
            {
                _data.Metadata!.Created ??= SessionCookie.TruncateToMilliseconds(_runtime.Time.GetUtcNow());
                if (_runtime.Options.RecordUserAgent && _context.Request.Headers.UserAgent.ToString() is { Length: > 0 } userAgent)
                {
                    _data.Metadata.UserAgent = userAgent.Length > 512 ? userAgent[..512] : userAgent;
                }
            }
        }
    }

    /// <summary>Whether the session has been destroyed during this request.</summary>
    public bool IsDestroyed { get; private set; }

    internal SessionData Data => _data;

    internal string OriginalId { get; }

    internal KeyValuePair<string, byte[]>[] OriginalEntries { get; }

    internal KeyValuePair<string, byte[]>[]? SavedEntries
    {
        get => _savedEntries;
        set
        {
            _savedEntries = value;
            _savedUserId = _data.UserId;
        }
    }

    internal bool CookieTouched { get; set; }

    internal HttpContext Context => _context;

    /// <summary>Whether <see cref="TesseraOptions.OnCreated"/> was raised for this new session.</summary>
    internal bool CreationAnnounced { get; set; }

    /// <summary>Whether the request re-armed the expiry (false when <see cref="TesseraOptions.TouchAfter"/> throttled it).</summary>
    internal bool CookieRearmed { get; set; }

    /// <summary>The request came with the old ID of a renewed session: its cookie must be replaced.</summary>
    internal bool ForceCookie { get; set; }

    /// <summary>Detaches the session from the request after it was destroyed, here or by another request.</summary>
    internal void MarkDestroyed()
    {
        IsDestroyed = true;
        SessionRuntime.Detach(_context, this);
    }

    /// <summary>The session now lives under another ID (renewed here or by another request).</summary>
    internal void MoveTo(string id)
    {
        Id = id;
        SessionRuntime.Attach(_context, this);
    }

    /// <summary>This request's changes to the values since the request started.</summary>
    internal SessionChanges Changes()
    {
        var changes = new SessionChanges();
        var original = new Dictionary<string, byte[]>(OriginalEntries.Length, StringComparer.Ordinal);
        foreach (var (key, json) in OriginalEntries)
        {
            original[key] = json;
        }

        foreach (var (key, json) in _data.Values)
        {
            if (!original.Remove(key, out var before) || (!ReferenceEquals(before, json) && !before.AsSpan().SequenceEqual(json)))
            {
                changes.Set.Add(new(key, json));
            }
        }

        changes.Removed.AddRange(original.Keys);
        return changes;
    }

    /// <summary>
    /// Continues from a newer stored version: its values with this request's changes applied,
    /// and this request's cookie and metadata.
    /// </summary>
    internal void Rebase(SessionData latest, SessionChanges changes)
    {
        changes.ApplyTo(latest.Values);
        latest.Cookie = _data.Cookie;
        latest.Metadata = _data.Metadata;
        _data = latest;
    }

    /// <summary>Gets a value, or the default of <typeparamref name="T"/> when there is none.</summary>
    /// <typeparam name="T">The type to deserialize the value as.</typeparam>
    /// <param name="key">The value's name.</param>
    /// <returns>A fresh copy of the value.</returns>
    /// <exception cref="JsonException">The stored value cannot be read as <typeparamref name="T"/>.</exception>
    public T? Get<T>(string key) => TryGet<T>(key, out var value) ? value : default;

    /// <summary>Tries to get a value.</summary>
    /// <typeparam name="T">The type to deserialize the value as.</typeparam>
    /// <param name="key">The value's name.</param>
    /// <param name="value">A fresh copy of the value, when there is one.</param>
    /// <returns>Whether the session has the value.</returns>
    /// <exception cref="JsonException">The stored value cannot be read as <typeparamref name="T"/>.</exception>
    public bool TryGet<T>(string key, [MaybeNullWhen(false)] out T value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_data.Values.TryGetValue(key, out var json))
        {
            value = JsonSerializer.Deserialize<T>(json, _runtime.JsonOptions)!;
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>Sets a value, serialized as JSON. Setting a value equal to the current one is not a change.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="key">The value's name; <c>cookie</c> is reserved.</param>
    /// <param name="value">The value.</param>
    public void Set<T>(string key, T value)
    {
        SessionKeys.ThrowIfReserved(key);
        ThrowIfDestroyed();
        _data.Values[key] = JsonSerializer.SerializeToUtf8Bytes(value, _runtime.JsonOptions);
    }

    /// <summary>Sets a value from its JSON text, for the <see cref="Microsoft.AspNetCore.Http.ISession"/> view.</summary>
    internal void SetRaw(string key, byte[] json)
    {
        SessionKeys.ThrowIfReserved(key);
        ThrowIfDestroyed();
        _data.Values[key] = json;
    }

    /// <summary>Removes a value.</summary>
    /// <param name="key">The value's name.</param>
    /// <returns>Whether the value existed.</returns>
    public bool Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ThrowIfDestroyed();
        return _data.Values.Remove(key);
    }

    /// <summary>Whether the session has a value of that name.</summary>
    /// <param name="key">The value's name.</param>
    /// <returns>Whether it exists.</returns>
    public bool ContainsKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _data.Values.ContainsKey(key);
    }

    /// <summary>Removes every value; the ID and cookie stay.</summary>
    public void Clear()
    {
        ThrowIfDestroyed();
        _data.Values.Clear();
    }

    /// <summary>
    /// Re-arms the expiry, express-session's <c>touch()</c>: <see cref="SessionCookie.Expires"/>
    /// becomes now plus <see cref="SessionCookie.OriginalMaxAge"/>.
    /// </summary>
    public void Touch() => _data.Cookie.ResetMaxAge();

    /// <summary>Re-arms the expiry; the same as <see cref="Touch"/>.</summary>
    public void ResetMaxAge() => _data.Cookie.ResetMaxAge();

    /// <summary>
    /// express-session's <c>regenerate()</c>: destroys the stored session and replaces this one
    /// with a new, empty session under a new ID (and a cookie from the current options).
    /// To keep the data under a new ID, use <see cref="RenewIdAsync"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the store call.</param>
    /// <returns>A task that completes when the old session is destroyed.</returns>
    /// <exception cref="SessionStoreException">The store failed or timed out.</exception>
    public async Task RegenerateAsync(CancellationToken cancellationToken = default)
    {
        var oldId = Id;
        try
        {
            await _runtime.DestroyAsync(oldId, SessionEndReason.Destroyed, UserId, _context, cancellationToken);
        }
        finally
        {
            Id = _runtime.NewId(_context);
            _data = _runtime.CreateData(_context, _runtime.ResolveCookieOptions(_context));
            IsNew = true;
            IsDestroyed = false;
            SessionRuntime.Attach(_context, this);
            TesseraLog.SessionRegenerated(_runtime.Logger);
        }
    }

    /// <summary>
    /// Moves the session's data to a new ID: the defence against session fixation to call when a
    /// user signs in. The cookie (with its absolute deadline) and all values are kept. The old ID
    /// is destroyed, or, with <see cref="TesseraOptions.RenewGracePeriod"/>, leads to the new one
    /// for that long; it can never be written to or renewed again. If another request renewed
    /// the session first, this session joins that renewal; if it destroyed it, this one is destroyed.
    /// </summary>
    /// <param name="cancellationToken">Cancels the store calls.</param>
    /// <returns>A task that completes when the session is stored under its new ID.</returns>
    /// <exception cref="SessionStoreException">The store failed or timed out.</exception>
    public async Task RenewIdAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDestroyed();
        if (IsNew && SavedEntries is null && Data.StoreVersion is null)
        {
            // Never stored: nothing to move.
            Id = _runtime.NewId(_context);
        }
        else
        {
            await _runtime.RenewAsync(this, _context, cancellationToken);
        }

        SessionRuntime.Attach(_context, this);
        TesseraLog.SessionRenewed(_runtime.Logger);
    }

    /// <summary>
    /// Destroys the session in the store and detaches it from the request: no cookie is sent and
    /// nothing is saved at the end of the request.
    /// </summary>
    /// <param name="cancellationToken">Cancels the store call.</param>
    /// <returns>A task that completes when the session is gone from the store.</returns>
    /// <exception cref="SessionStoreException">The store failed or timed out.</exception>
    public async Task DestroyAsync(CancellationToken cancellationToken = default)
    {
        MarkDestroyed();
        await _runtime.DestroyAsync(Id, SessionEndReason.Destroyed, UserId, _context, cancellationToken);
    }

    /// <summary>Replaces the values and cookie with what the store holds now.</summary>
    /// <param name="cancellationToken">Cancels the store call.</param>
    /// <returns>A task that completes when the session is reloaded.</returns>
    /// <exception cref="InvalidOperationException">The store no longer has the session.</exception>
    /// <exception cref="SessionStoreException">The store failed or timed out.</exception>
    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDestroyed();
        _data = await _runtime.ReloadAsync(this, cancellationToken)
            ?? throw new InvalidOperationException("Failed to load session: the store no longer has it.");
    }

    /// <summary>
    /// Saves the session now. Unless the session changes afterwards, it is not saved again at
    /// the end of the request. If another request destroyed the session meanwhile, nothing is
    /// written and the session is detached (<see cref="IsDestroyed"/> becomes true).
    /// </summary>
    /// <param name="cancellationToken">Cancels the store call.</param>
    /// <returns>A task that completes when the store has the session.</returns>
    /// <exception cref="SessionStoreException">The store failed or timed out.</exception>
    public async Task SaveAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDestroyed();
        SavedEntries = Snapshot();
        if (!await _runtime.WriteAsync(this, cancellationToken))
        {
            MarkDestroyed();
        }
    }

    /// <summary>
    /// Binds a minimal-API parameter of type <see cref="Session"/> to the request's session.
    /// </summary>
    /// <param name="context">The request.</param>
    /// <returns>The request's session.</returns>
    /// <exception cref="InvalidOperationException">The request has no session.</exception>
    public static ValueTask<Session?> BindAsync(HttpContext context) =>
        ValueTask.FromResult<Session?>(context.GetSession());

    /// <summary>Whether the values differ from those the request started with, or the ID changed.</summary>
    internal bool IsModified() => OriginalId != Id || _data.UserId != _originalUserId || !HasEntries(OriginalEntries);

    /// <summary>Whether the session is unchanged since it was last saved during this request.</summary>
    internal bool IsSaved() => OriginalId == Id && SavedEntries is { } saved && _data.UserId == _savedUserId && HasEntries(saved);

    internal KeyValuePair<string, byte[]>[] Snapshot()
    {
        var values = _data.Values;
        if (values.Count == 0)
        {
            return [];
        }

        var entries = new KeyValuePair<string, byte[]>[values.Count];
        var i = 0;
        foreach (var entry in values)
        {
            entries[i++] = entry;
        }

        return entries;
    }

    private bool HasEntries(KeyValuePair<string, byte[]>[] snapshot)
    {
        var values = _data.Values;
        if (values.Count != snapshot.Length)
        {
            return false;
        }

        for (var i = 0; i < snapshot.Length; i++)
        {
            var (key, json) = values.GetAt(i);
            if (key != snapshot[i].Key
                || (!ReferenceEquals(json, snapshot[i].Value) && !json.AsSpan().SequenceEqual(snapshot[i].Value)))
            {
                return false;
            }
        }

        return true;
    }

    private void ThrowIfDestroyed()
    {
        if (IsDestroyed)
        {
            throw new InvalidOperationException("The session has been destroyed; regenerate it to start a new one.");
        }
    }
}
