using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tessera.Diagnostics;
using Tessera.Middleware;

namespace Tessera.Authentication;

/// <summary>
/// Cookie authentication's <see cref="ITicketStore"/> over Tessera's session store: each ticket is
/// a stored session (<see cref="TicketDocument"/>) under a fresh key from Tessera's ID generator,
/// hashed in the store with <see cref="TesseraOptions.HashIdsInStore"/>, expiring with the ticket
/// and belonging to the principal's user, so <see cref="SessionIndex"/> finds and revokes it. A
/// ticket records when it was stored and, with <see cref="TesseraOptions.RecordUserAgent"/>, the
/// signing-in request's User-Agent; its renewals keep both.
/// </summary>
/// <remarks>
/// Every store call is bounded by <see cref="TesseraOptions.StoreTimeout"/> and fails as a
/// <see cref="SessionStoreException"/> with keys redacted. A removal does not depend on the client:
/// it is not cancelled with the request. A ticket that is gone (removed, revoked or expired) is
/// never written back: a renewal first reads the stored ticket and, with a store
/// that has conditional writes, writes only over the version it read.
/// </remarks>
internal sealed class TesseraTicketStore : ITicketStore
{
    // A renewal that changes the principal writes again after another request's renewal of the
    // ticket it read; each further attempt needs yet another such renewal in between.
    private const int MaxRenewalAttempts = 100;

    private readonly ISessionStore _store;
    private readonly TesseraOptions _tessera;
    private readonly TesseraTicketStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public TesseraTicketStore(ISessionStore store, TesseraOptions tessera, TesseraTicketStoreOptions options, TimeProvider time, ILogger logger)
    {
        _store = store;
        _tessera = tessera;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public Task<string> StoreAsync(AuthenticationTicket ticket) => StoreAsync(ticket, httpContext: null!, CancellationToken.None);

    public Task<string> StoreAsync(AuthenticationTicket ticket, CancellationToken cancellationToken) => StoreAsync(ticket, httpContext: null!, cancellationToken);

    public async Task<string> StoreAsync(AuthenticationTicket ticket, HttpContext httpContext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var id = DefaultSessionIdGenerator.Generate();
        var key = StoreKeys.For(id, _tessera);
        var data = TicketDocument.Write(ticket, UserOf(ticket), _time);
        SignedInNow(data, httpContext);
        try
        {
            await CallAsync("save", id, key, data, static (store, key, data, token) => store.SetAsync(key, data, token), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The sign-in was given up (its client went away) after the write may have reached the
            // store: no cookie will carry this key, so a ticket stored under it is nobody's, and
            // SessionIndex would list it as a device until it expires.
            await RemoveOrphanAsync(id, key);
            throw;
        }

        return id;
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) => RenewAsync(key, ticket, httpContext: null!, CancellationToken.None);

    public Task RenewAsync(string key, AuthenticationTicket ticket, CancellationToken cancellationToken) => RenewAsync(key, ticket, httpContext: null!, cancellationToken);

    /// <summary>
    /// Writes the ticket over the stored one: a sliding renewal, a principal refreshed, or a sign-in
    /// over the key the browser already has (cookie authentication renews that key rather than
    /// storing a new ticket). A ticket that is gone is not written back.
    /// </summary>
    /// <remarks>
    /// With conditional writes the ticket is written only over the version just read. When
    /// another request wrote it in between, this renewal gives way if it only moves the expiry (the
    /// other write is as fresh), or if the other write changed the principal (a sign-in came
    /// first); it writes again over the new version only when it changes the principal and the
    /// other write merely moved the expiry of the principal it read. So a renewal never undoes a
    /// sign-in over the key, and a sign-in is never lost to a renewal of the ticket it replaces.
    /// </remarks>
    public async Task RenewAsync(string key, AuthenticationTicket ticket, HttpContext httpContext, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(ticket);
        var storeKey = StoreKeys.For(key, _tessera);
        var stored = Live(await LoadAsync(key, storeKey, cancellationToken));
        if (stored is null)
        {
            LogRenewOfRemovedTicket(storeKey);
            return;
        }

        if (_store is not IConditionalSessionStore || stored.StoreVersion is null)
        {
            await CallAsync("save", key, storeKey, Document(ticket, stored, httpContext), static (store, key, data, token) => store.SetAsync(key, data, token), cancellationToken);
            return;
        }

        for (var attempt = 1; ; attempt++)
        {
            var read = stored;
            var data = Document(ticket, read, httpContext);
            if (await CallAsync("save", key, storeKey, (Data: data, Version: read.StoreVersion!), static (store, key, write, token) => ((IConditionalSessionStore)store).TrySetAsync(key, write.Data, write.Version, token), cancellationToken) is not null)
            {
                return;
            }

            // Another request wrote or removed the ticket since it was read.
            if (!ChangesPrincipal(ticket, read))
            {
                break;
            }

            stored = Live(await LoadAsync(key, storeKey, cancellationToken));
            if (stored is null || stored.StoreVersion is null || !SamePrincipal(stored, read))
            {
                break;
            }

            if (attempt == MaxRenewalAttempts)
            {
                var exception = new SessionStoreException(
                    "save",
                    $"An authentication ticket changed under its renewal {MaxRenewalAttempts} times in a row: other requests kept renewing the ticket this one replaces.",
                    innerException: null);
                TicketStoreLog.StoreFailed(_logger, "save", SessionIdRedaction.Tag(storeKey), exception);
                throw exception;
            }
        }

        LogRenewOfRemovedTicket(storeKey);
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) => RetrieveAsync(key, httpContext: null!, CancellationToken.None);

    public Task<AuthenticationTicket?> RetrieveAsync(string key, CancellationToken cancellationToken) => RetrieveAsync(key, httpContext: null!, cancellationToken);

    public async Task<AuthenticationTicket?> RetrieveAsync(string key, HttpContext httpContext, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var storeKey = StoreKeys.For(key, _tessera);
        var stored = Live(await LoadAsync(key, storeKey, cancellationToken));
        if (stored is null)
        {
            return null;
        }

        AuthenticationTicket? ticket;
        try
        {
            ticket = TicketDocument.Read(stored);
        }
        catch (Exception ex) when (TicketDocument.IsUnreadable(ex))
        {
            TicketStoreLog.UnreadableTicket(_logger, SessionIdRedaction.Tag(storeKey), SessionIdRedaction.Copy(ex, storeKey, key));
            return null;
        }

        return ticket is { Properties.ExpiresUtc: { } expires } && expires <= _time.GetUtcNow() ? null : ticket;
    }

    public Task RemoveAsync(string key) => RemoveAsync(key, httpContext: null!, CancellationToken.None);

    public Task RemoveAsync(string key, CancellationToken cancellationToken) => RemoveAsync(key, httpContext: null!, cancellationToken);

    /// <summary>
    /// Removes the ticket: a sign-out, or the clean-up of an expired ticket. It runs to its end,
    /// bounded by <see cref="TesseraOptions.StoreTimeout"/>, whatever <paramref name="cancellationToken"/>
    /// says: cookie authentication passes the request's <see cref="HttpContext.RequestAborted"/>,
    /// and a user who signs out and closes the tab must be signed out, though the browser may
    /// never see its cookie deleted.
    /// </summary>
    public async Task RemoveAsync(string key, HttpContext httpContext, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var storeKey = StoreKeys.For(key, _tessera);
        await DestroyAsync(key, storeKey);
    }

    /// <summary>Removes a ticket, whatever the caller's token says: bounded by the store timeout only.</summary>
    private ValueTask<bool> DestroyAsync(string id, string storeKey) =>
        CallAsync("destroy", id, storeKey, state: 0, static (store, key, _, token) => AsBoolean(store.DestroyAsync(key, token)), CancellationToken.None);

    /// <summary>Removes a ticket no cookie carries; a failure is logged (by the call) and not thrown.</summary>
    private async Task RemoveOrphanAsync(string id, string key)
    {
        try
        {
            await DestroyAsync(id, key);
        }
        catch (SessionStoreException)
        {
            // Logged by the call; the ticket expires with its cookie's lifetime.
        }
    }

    private string? UserOf(AuthenticationTicket ticket) =>
        ticket.Principal.FindFirst(_options.UserIdClaimType)?.Value is { Length: > 0 } user ? user : null;

    private ValueTask<SessionData?> LoadAsync(string key, string storeKey, CancellationToken cancellationToken) =>
        CallAsync("load", key, storeKey, state: 0, static (store, key, _, token) => store.GetAsync(key, token), cancellationToken);

    /// <summary>The stored ticket, or <see langword="null"/> when there is none or it has expired.</summary>
    private SessionData? Live(SessionData? stored) =>
        stored is not null && (stored.StoreExpires ?? stored.Expires) is { } expires && expires <= _time.GetUtcNow() ? null : stored;

    /// <summary>
    /// The document of <paramref name="ticket"/> written over <paramref name="stored"/>: the same
    /// user's keeps the device's sign-in time and browser; another user's (a sign-in over the key)
    /// is a sign-in of its own, now, with this request's browser.
    /// </summary>
    private SessionData Document(AuthenticationTicket ticket, SessionData stored, HttpContext? httpContext)
    {
        var data = TicketDocument.Write(ticket, UserOf(ticket), _time);
        if (data.UserId == stored.UserId)
        {
            data.Created = stored.Created;
            data.UserAgent = stored.UserAgent;
        }
        else
        {
            SignedInNow(data, httpContext);
        }

        return data;
    }

    /// <summary>What <see cref="SessionIndex"/> shows of a device signed in now: the time, and with <see cref="TesseraOptions.RecordUserAgent"/> the request's browser.</summary>
    private void SignedInNow(SessionData data, HttpContext? httpContext)
    {
        data.Created = _time.GetUtcNow();
        if (_tessera.RecordUserAgent && httpContext?.Request.Headers.UserAgent.ToString() is { Length: > 0 } userAgent)
        {
            data.UserAgent = userAgent;
        }
    }

    /// <summary>Whether <paramref name="ticket"/> carries another principal than the stored ticket <paramref name="read"/> (one that does not read counts as another).</summary>
    private static bool ChangesPrincipal(AuthenticationTicket ticket, SessionData read) =>
        TicketDocument.PrincipalOf(read) is not { } principal || !principal.AsSpan().SequenceEqual(TicketDocument.PrincipalOf(ticket));

    /// <summary>Whether two stored tickets carry the same principal (claims, identities and their types), whatever their expiries.</summary>
    private static bool SamePrincipal(SessionData one, SessionData other) =>
        TicketDocument.PrincipalOf(one) is { } first && TicketDocument.PrincipalOf(other) is { } second && first.AsSpan().SequenceEqual(second);

    private void LogRenewOfRemovedTicket(string storeKey)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var tag = SessionIdRedaction.Tag(storeKey);
            TicketStoreLog.RenewOfRemovedTicket(_logger, tag);
        }
    }

    private static async ValueTask<bool> AsBoolean(ValueTask task)
    {
        await task;
        return true;
    }

    /// <summary>
    /// One store call, bounded by <see cref="TesseraOptions.StoreTimeout"/> even when the store
    /// ignores its token. A failure is logged and thrown as a <see cref="SessionStoreException"/>
    /// whose inner exception is a copy with the key and the ID redacted; a cancelled caller gets
    /// <see cref="OperationCanceledException"/>. The call is given the store key and
    /// <paramref name="state"/>, so that it needs no closure.
    /// </summary>
    private async ValueTask<T> CallAsync<TState, T>(string operation, string id, string key, TState state, Func<ISessionStore, string, TState, CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_tessera.StoreTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await call(_store, key, state, linked.Token).AsTask().WaitAsync(linked.Token);
        }
        catch (Exception ex) when (ex is not SessionStoreException && !cancellationToken.IsCancellationRequested)
        {
            var copy = SessionIdRedaction.Copy(ex, key, id);
            var timedOut = timeout.IsCancellationRequested;
            Exception inner = timedOut ? new TimeoutException(null, copy) : copy;
            var message = timedOut
                ? $"The session store {_store.GetType().Name} did not answer the {operation} of an authentication ticket within {_tessera.StoreTimeout.TotalSeconds:0.###} s (TesseraOptions.StoreTimeout)."
                : $"The session store {_store.GetType().Name} failed during the {operation} of an authentication ticket: {copy.Message}";
            TicketStoreLog.StoreFailed(_logger, operation, SessionIdRedaction.Tag(key), inner);
            throw new SessionStoreException(operation, message, inner);
        }
    }
}
