using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Tessera.Middleware;
using Tessera.Serialization;

namespace Tessera;

/// <summary>
/// The session of the current request: its ID, its cookie and its values, plus express-session's
/// session methods. Values are JSON: <see cref="Set{T}(string, T)"/> serializes, <see cref="Get{T}(string)"/>
/// deserializes a fresh copy, so a changed object must be <see cref="Set{T}(string, T)"/> again to be saved.
/// </summary>
/// <remarks>
/// Get it with <see cref="HttpContextSessionExtensions.GetSession(HttpContext)"/>, as a
/// minimal-API parameter, or as a parameter of an MVC action or Razor Pages handler
/// (<c>Session?</c> when the request may have none). A session belongs to one request and is not thread-safe.
/// Changes are saved when the response ends, following express-session's rules.
/// </remarks>
public sealed class Session
{
    private const string ReflectionJson =
        "Reads and writes T with reflection-based JSON through TesseraOptions.JsonSerializerOptions. In a trimmed or native AOT " +
        "application use the overload that takes a JsonTypeInfo<T> from a JsonSerializerContext.";

    private readonly SessionServices _services;
    private readonly SessionState _state;

    internal Session(SessionServices services, SessionState state)
    {
        _services = services;
        _state = state;
    }

    /// <summary>
    /// The session ID (what the signed cookie carries); empty when <see cref="TesseraOptions.GenerateId"/>
    /// returned none, for a session that is then never saved.
    /// </summary>
    public string Id => _state.Id;

    /// <summary>The session's cookie: expiry and attributes.</summary>
    public SessionCookie Cookie => _state.Data.Cookie;

    /// <summary>Whether the session was created by this request rather than loaded from the store.</summary>
    public bool IsNew => _state.IsNew;

    /// <summary>The names of the session's values, in the order they were first set.</summary>
    public IReadOnlyList<string> Keys => _state.Data.Keys;

    /// <summary>
    /// The signed-in user the session belongs to. Set it at sign-in (together with
    /// <see cref="RenewIdAsync"/>) so that <see cref="SessionIndex"/> can list and sign out the
    /// user's sessions; set it to <see langword="null"/> at sign-out. Changing it is a change of
    /// the session. It is stored in the document's <c>_tessera</c> metadata.
    /// </summary>
    public string? UserId
    {
        get => _state.Data.UserId;
        set
        {
            ThrowIfDestroyed();
            var data = _state.Data;
            if (value == data.UserId)
            {
                return;
            }

            data.UserId = value;
            var metadata = data.Metadata!;
            metadata.UserAgent = null;
            if (value is not null)
            {
                metadata.Created ??= SessionCookie.TruncateToMilliseconds(_services.Factory.Time.GetUtcNow());
                if (_services.Options.RecordUserAgent && _state.Context.Request.Headers.UserAgent.ToString() is { Length: > 0 } userAgent)
                {
                    data.UserAgent = userAgent;
                }
            }
        }
    }

    /// <summary>Whether the session has been destroyed during this request.</summary>
    public bool IsDestroyed => _state.IsDestroyed;

    internal SessionState State => _state;

    internal SessionData Data => _state.Data;

    /// <summary>Gets a value, or the default of <typeparamref name="T"/> when there is none.</summary>
    /// <typeparam name="T">The type to deserialize the value as.</typeparam>
    /// <param name="key">The value's name.</param>
    /// <returns>A fresh copy of the value.</returns>
    /// <remarks>
    /// A value written as raw bytes through <see cref="ISession"/> (<c>{"$base64":"…"}</c>) reads
    /// as <c>byte[]</c>, and as <see cref="int"/> (or <c>int?</c>) when it is the 4 big-endian bytes
    /// that <c>HttpContext.Session.SetInt32</c> writes.
    /// </remarks>
    /// <exception cref="JsonException">The stored value cannot be read as <typeparamref name="T"/>.</exception>
    /// <exception cref="InvalidOperationException">The value was written as raw bytes through <see cref="ISession"/> and cannot be read as <typeparamref name="T"/>.</exception>
    [RequiresUnreferencedCode(ReflectionJson)]
    [RequiresDynamicCode(ReflectionJson)]
    public T? Get<T>(string key) => TryGet<T>(key, out var value) ? value : default;

    /// <summary>
    /// Gets a value with source-generated JSON metadata (trimming and native AOT safe), or the
    /// default of <typeparamref name="T"/> when there is none.
    /// </summary>
    /// <typeparam name="T">The type to deserialize the value as.</typeparam>
    /// <param name="key">The value's name.</param>
    /// <param name="jsonTypeInfo">The metadata of <typeparamref name="T"/>, e.g. <c>AppJsonContext.Default.Cart</c>; its options apply.</param>
    /// <returns>A fresh copy of the value.</returns>
    /// <remarks>Raw bytes written through <see cref="ISession"/> read as <see cref="Get{T}(string)"/> describes.</remarks>
    /// <exception cref="JsonException">The stored value cannot be read as <typeparamref name="T"/>.</exception>
    /// <exception cref="InvalidOperationException">The value was written as raw bytes through <see cref="ISession"/> and cannot be read as <typeparamref name="T"/>.</exception>
    public T? Get<T>(string key, JsonTypeInfo<T> jsonTypeInfo) => TryGet(key, jsonTypeInfo, out var value) ? value : default;

    /// <summary>Tries to get a value.</summary>
    /// <typeparam name="T">The type to deserialize the value as.</typeparam>
    /// <param name="key">The value's name.</param>
    /// <param name="value">A fresh copy of the value, when there is one.</param>
    /// <returns>Whether the session has the value.</returns>
    /// <remarks>Raw bytes written through <see cref="ISession"/> read as <see cref="Get{T}(string)"/> describes.</remarks>
    /// <exception cref="JsonException">The stored value cannot be read as <typeparamref name="T"/>.</exception>
    /// <exception cref="InvalidOperationException">The value was written as raw bytes through <see cref="ISession"/> and cannot be read as <typeparamref name="T"/>.</exception>
    [RequiresUnreferencedCode(ReflectionJson)]
    [RequiresDynamicCode(ReflectionJson)]
    public bool TryGet<T>(string key, [MaybeNullWhen(false)] out T value) => TryGet(key, TypeInfo<T>(), out value);

    /// <summary>Tries to get a value with source-generated JSON metadata (trimming and native AOT safe).</summary>
    /// <typeparam name="T">The type to deserialize the value as.</typeparam>
    /// <param name="key">The value's name.</param>
    /// <param name="jsonTypeInfo">The metadata of <typeparamref name="T"/>, e.g. <c>AppJsonContext.Default.Cart</c>; its options apply.</param>
    /// <param name="value">A fresh copy of the value, when there is one.</param>
    /// <returns>Whether the session has the value.</returns>
    /// <remarks>Raw bytes written through <see cref="ISession"/> read as <see cref="Get{T}(string)"/> describes.</remarks>
    /// <exception cref="JsonException">The stored value cannot be read as <typeparamref name="T"/>.</exception>
    /// <exception cref="InvalidOperationException">The value was written as raw bytes through <see cref="ISession"/> and cannot be read as <typeparamref name="T"/>.</exception>
    public bool TryGet<T>(string key, JsonTypeInfo<T> jsonTypeInfo, [MaybeNullWhen(false)] out T value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(jsonTypeInfo);
        if (!_state.Data.Values.TryGetValue(key, out var json))
        {
            value = default;
            return false;
        }

        if (SessionAdapter.TryReadBase64(json, out var bytes))
        {
            value = FromIsessionBytes(key, bytes, json, jsonTypeInfo);
            return true;
        }

        value = JsonSerializer.Deserialize(json, jsonTypeInfo)!;
        return true;
    }

    /// <summary>The metadata of <typeparamref name="T"/> from <see cref="TesseraOptions.JsonSerializerOptions"/> (reflection-based unless a context supplies it).</summary>
    [RequiresUnreferencedCode(ReflectionJson)]
    [RequiresDynamicCode(ReflectionJson)]
    private JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)_services.JsonOptions.GetTypeInfo(typeof(T));

    /// <summary>Reads a value that <see cref="ISession.Set"/> stored as raw bytes.</summary>
    private static T FromIsessionBytes<T>(string key, byte[] bytes, byte[] json, JsonTypeInfo<T> jsonTypeInfo)
    {
        if (typeof(T) == typeof(byte[]))
        {
            return (T)(object)bytes;
        }

        if ((typeof(T) == typeof(int) || typeof(T) == typeof(int?)) && bytes.Length == 4)
        {
            return (T)(object)BinaryPrimitives.ReadInt32BigEndian(bytes);
        }

        try
        {
            return JsonSerializer.Deserialize(json, jsonTypeInfo)!; // e.g. as JsonElement or object
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException(
                $"The session value '{key}' was written as {bytes.Length} raw bytes through ISession (HttpContext.Session.Set or SetInt32), " +
                $"so it cannot be read as {typeof(T).Name}. Read it as byte[] (or as int when it is 4 bytes from SetInt32), " +
                "or through HttpContext.Session.GetInt32 or TryGetValue.",
                ex);
        }
    }

    /// <summary>Sets a value, serialized as JSON. Setting a value equal to the current one is not a change.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="key">The value's name; <c>cookie</c> is reserved.</param>
    /// <param name="value">The value.</param>
    [RequiresUnreferencedCode(ReflectionJson)]
    [RequiresDynamicCode(ReflectionJson)]
    public void Set<T>(string key, T value) => Set(key, value, TypeInfo<T>());

    /// <summary>
    /// Sets a value, serialized as JSON with source-generated metadata (trimming and native AOT
    /// safe). Setting a value equal to the current one is not a change.
    /// </summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="key">The value's name; <c>cookie</c> is reserved.</param>
    /// <param name="value">The value.</param>
    /// <param name="jsonTypeInfo">The metadata of <typeparamref name="T"/>, e.g. <c>AppJsonContext.Default.Cart</c>; its options apply.</param>
    public void Set<T>(string key, T value, JsonTypeInfo<T> jsonTypeInfo)
    {
        SessionKeys.ThrowIfReserved(key);
        ArgumentNullException.ThrowIfNull(jsonTypeInfo);
        ThrowIfDestroyed();
        _state.Data.Values[key] = JsonSerializer.SerializeToUtf8Bytes(value, jsonTypeInfo);
    }

    /// <summary>Sets a value from its JSON text, for the <see cref="Microsoft.AspNetCore.Http.ISession"/> view.</summary>
    internal void SetRaw(string key, byte[] json)
    {
        SessionKeys.ThrowIfReserved(key);
        ThrowIfDestroyed();
        _state.Data.Values[key] = json;
    }

    /// <summary>Removes a value.</summary>
    /// <param name="key">The value's name.</param>
    /// <returns>Whether the value existed.</returns>
    public bool Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ThrowIfDestroyed();
        return _state.Data.Values.Remove(key);
    }

    /// <summary>Whether the session has a value of that name.</summary>
    /// <param name="key">The value's name.</param>
    /// <returns>Whether it exists.</returns>
    public bool ContainsKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _state.Data.Values.ContainsKey(key);
    }

    /// <summary>Removes every value; the ID and cookie stay.</summary>
    public void Clear()
    {
        ThrowIfDestroyed();
        _state.Data.Values.Clear();
    }

    /// <summary>
    /// Re-arms the expiry, express-session's <c>touch()</c>: <see cref="SessionCookie.Expires"/>
    /// becomes now plus <see cref="SessionCookie.OriginalMaxAge"/>.
    /// </summary>
    public void Touch() => _state.Data.Cookie.ResetMaxAge();

    /// <summary>Re-arms the expiry; the same as <see cref="Touch"/>.</summary>
    public void ResetMaxAge() => _state.Data.Cookie.ResetMaxAge();

    /// <summary>
    /// express-session's <c>regenerate()</c>: destroys the stored session and replaces this one
    /// with a new, empty session under a new ID (and a cookie from the current options).
    /// To keep the data under a new ID, use <see cref="RenewIdAsync"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the store call.</param>
    /// <returns>A task that completes when the old session is destroyed.</returns>
    /// <exception cref="InvalidOperationException">The response has started: the new session's cookie could no longer be sent. Or the session may not be written in this request (<see cref="ReadOnlySessionAttribute"/>, or no consent for a cookie that is not <see cref="SessionCookieOptions.IsEssential"/>).</exception>
    /// <exception cref="SessionStoreException">The store failed or timed out.</exception>
    public async Task RegenerateAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfWritesRefused(nameof(RegenerateAsync));
        ThrowIfResponseStarted(nameof(RegenerateAsync));
        var context = _state.Context;
        try
        {
            await _services.Persistence.DestroyAsync(_state.Id, SessionEndReason.Destroyed, UserId, context, cancellationToken);
        }
        finally
        {
            _state.Restart(_services.Factory.NewId(context), _services.Factory.NewData(context));
            _state.Feature.Session = this;
            TesseraLog.SessionRegenerated(_services.Logger);
        }
    }

    /// <summary>
    /// Moves the session's data to a new ID: the defence against session fixation to call when a
    /// user signs in. The cookie (with its absolute deadline) and all values are kept. The old ID
    /// can never be written to or renewed again: it is destroyed or, with
    /// <see cref="TesseraOptions.RenewGracePeriod"/> and when the user did not change in this
    /// request (an ID rotation, not a sign-in or sign-out), leads to the new one for that long.
    /// If another request renewed the session first, this session joins that renewal; if it
    /// destroyed it, this one is destroyed.
    /// </summary>
    /// <param name="cancellationToken">Cancels the store calls.</param>
    /// <returns>A task that completes when the session is stored under its new ID.</returns>
    /// <exception cref="InvalidOperationException">The response has started: the new cookie could no longer be sent. Or <see cref="TesseraOptions.GenerateId"/> returned no ID for a stored session, which then stays under its ID. Or the session may not be written in this request (<see cref="ReadOnlySessionAttribute"/>, or no consent for a cookie that is not <see cref="SessionCookieOptions.IsEssential"/>).</exception>
    /// <exception cref="SessionStoreException">The store failed or timed out.</exception>
    public async Task RenewIdAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfWritesRefused(nameof(RenewIdAsync));
        ThrowIfDestroyed();
        ThrowIfResponseStarted(nameof(RenewIdAsync));
        if (!_state.IsStored)
        {
            _state.MoveTo(_services.Factory.NewId(_state.Context)); // never stored: nothing to move
        }
        else if (!await _services.Persistence.RenewAsync(_state, cancellationToken))
        {
            return;
        }

        TesseraLog.SessionRenewed(_services.Logger);
    }

    /// <summary>
    /// Destroys the session in the store and detaches it from the request: no cookie is sent and
    /// nothing is saved at the end of the request.
    /// </summary>
    /// <param name="cancellationToken">Cancels the store call.</param>
    /// <returns>A task that completes when the session is gone from the store.</returns>
    /// <exception cref="SessionStoreException">The store failed or timed out.</exception>
    /// <exception cref="InvalidOperationException">The session may not be written in this request (<see cref="ReadOnlySessionAttribute"/>, or no consent for a cookie that is not <see cref="SessionCookieOptions.IsEssential"/>).</exception>
    public async Task DestroyAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfWritesRefused(nameof(DestroyAsync));
        _state.Destroyed();
        await _services.Persistence.DestroyAsync(_state.Id, SessionEndReason.Destroyed, UserId, _state.Context, cancellationToken);
    }

    /// <summary>Replaces the values and cookie with what the store holds now.</summary>
    /// <param name="cancellationToken">Cancels the store call.</param>
    /// <returns>A task that completes when the session is reloaded.</returns>
    /// <exception cref="InvalidOperationException">The store no longer has the session.</exception>
    /// <exception cref="SessionStoreException">The store failed or timed out.</exception>
    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDestroyed();
        if (!await _services.Persistence.ReloadAsync(_state, cancellationToken))
        {
            throw new InvalidOperationException("Failed to load session: the store no longer has it.");
        }
    }

    /// <summary>
    /// Saves the session now. Unless the session changes afterwards, it is not saved again at
    /// the end of the request; if this save fails or is cancelled, the end of the request saves
    /// it. If another request destroyed the session meanwhile, nothing is written and the
    /// session is detached (<see cref="IsDestroyed"/> becomes true).
    /// </summary>
    /// <param name="cancellationToken">Cancels the store call.</param>
    /// <returns>A task that completes when the store has the session.</returns>
    /// <exception cref="SessionStoreException">The store failed or timed out.</exception>
    /// <exception cref="InvalidOperationException">The session may not be written in this request (<see cref="ReadOnlySessionAttribute"/>, or no consent for a cookie that is not <see cref="SessionCookieOptions.IsEssential"/>).</exception>
    public async Task SaveAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfWritesRefused(nameof(SaveAsync));
        ThrowIfDestroyed();
        await _services.Persistence.WriteAsync(_state, cancellationToken);
    }

    /// <summary>
    /// Binds a minimal-API parameter of type <see cref="Session"/> to the request's session.
    /// </summary>
    /// <param name="context">The request.</param>
    /// <returns>The request's session.</returns>
    /// <exception cref="InvalidOperationException">The request has no session.</exception>
    public static ValueTask<Session?> BindAsync(HttpContext context) =>
        ValueTask.FromResult<Session?>(context.GetSession());

    /// <summary>
    /// Binds a minimal-API parameter of type <see cref="Session"/> to the request's session.
    /// A nullable parameter (<c>Session?</c>) is <see langword="null"/> when the request has no
    /// session, for example under <see cref="StoreFailure.ContinueWithoutSession"/> while the
    /// store is unavailable; a non-nullable one requires a session.
    /// </summary>
    /// <param name="context">The request.</param>
    /// <param name="parameter">The parameter being bound; its nullability decides what no session means.</param>
    /// <returns>The request's session, or <see langword="null"/> for a nullable parameter when there is none.</returns>
    /// <exception cref="InvalidOperationException">The request has no session and the parameter is not nullable.</exception>
    public static ValueTask<Session?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(parameter);
        if (context.TryGetSession(out var session))
        {
            return ValueTask.FromResult<Session?>(session);
        }

        return IsNullable(parameter)
            ? ValueTask.FromResult<Session?>(null)
            : ValueTask.FromResult<Session?>(context.GetSession()); // throws, saying why there is no session
    }

    /// <summary>Whether a parameter is declared <c>Session?</c> (only asked when there is no session).</summary>
    private static bool IsNullable(ParameterInfo parameter) =>
        new NullabilityInfoContext().Create(parameter).ReadState == NullabilityState.Nullable;

    private void ThrowIfDestroyed()
    {
        if (_state.IsDestroyed)
        {
            throw new InvalidOperationException("The session has been destroyed; regenerate it to start a new one.");
        }
    }

    private void ThrowIfWritesRefused(string method)
    {
        if (SessionWriteRefusal.Reason(_state.Feature) is { } reason)
        {
            throw new InvalidOperationException(
                $"Session.{method} cannot write the session: {reason}. Changes to its values are discarded at the end of the request.");
        }
    }

    private void ThrowIfResponseStarted(string method)
    {
        if (_state.Context.Response.HasStarted)
        {
            throw new InvalidOperationException(
                $"Session.{method} was called after the response started: the new session cookie could not be sent, so the session was left as it was. " +
                "Call it before writing to the response.");
        }
    }
}
