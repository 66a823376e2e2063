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

        // What SessionIndex shows of a signed-in device: when, and with which browser.
        data.Created = _time.GetUtcNow();
        if (_tessera.RecordUserAgent && httpContext?.Request.Headers.UserAgent.ToString() is { Length: > 0 } userAgent)
        {
            data.UserAgent = userAgent;
        }

        await CallAsync("save", id, key, (store, token) => store.SetAsync(key, data, token), cancellationToken);
        return id;
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) => RenewAsync(key, ticket, httpContext: null!, CancellationToken.None);

    public Task RenewAsync(string key, AuthenticationTicket ticket, CancellationToken cancellationToken) => RenewAsync(key, ticket, httpContext: null!, cancellationToken);

    public async Task RenewAsync(string key, AuthenticationTicket ticket, HttpContext httpContext, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(ticket);
        var storeKey = StoreKeys.For(key, _tessera);
        var stored = await CallAsync("load", key, storeKey, (store, token) => store.GetAsync(storeKey, token), cancellationToken);
        if (stored is null || IsExpired(stored))
        {
            LogRenewOfRemovedTicket(storeKey);
            return;
        }

        var data = TicketDocument.Write(ticket, UserOf(ticket), _time);
        data.Created = stored.Created;
        data.UserAgent = stored.UserAgent;
        if (_store is IConditionalSessionStore conditional && stored.StoreVersion is { } version)
        {
            // Written only over the ticket just read: a ticket revoked in between stays revoked, and
            // another request's renewal in between is kept (the ticket stays signed in with its expiry).
            if (await CallAsync("save", key, storeKey, (_, token) => conditional.TrySetAsync(storeKey, data, version, token), cancellationToken) is null)
            {
                LogRenewOfRemovedTicket(storeKey);
            }

            return;
        }

        await CallAsync("save", key, storeKey, (store, token) => store.SetAsync(storeKey, data, token), cancellationToken);
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) => RetrieveAsync(key, httpContext: null!, CancellationToken.None);

    public Task<AuthenticationTicket?> RetrieveAsync(string key, CancellationToken cancellationToken) => RetrieveAsync(key, httpContext: null!, cancellationToken);

    public async Task<AuthenticationTicket?> RetrieveAsync(string key, HttpContext httpContext, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var storeKey = StoreKeys.For(key, _tessera);
        var stored = await CallAsync("load", key, storeKey, (store, token) => store.GetAsync(storeKey, token), cancellationToken);
        if (stored is null || IsExpired(stored))
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
        await CallAsync("destroy", key, storeKey, (store, token) => AsBoolean(store.DestroyAsync(storeKey, token)), CancellationToken.None);
    }

    private string? UserOf(AuthenticationTicket ticket) =>
        ticket.Principal.FindFirst(_options.UserIdClaimType)?.Value is { Length: > 0 } user ? user : null;

    private bool IsExpired(SessionData data) =>
        (data.StoreExpires ?? data.Expires) is { } expires && expires <= _time.GetUtcNow();

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
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    private async ValueTask<T> CallAsync<T>(string operation, string id, string key, Func<ISessionStore, CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_tessera.StoreTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await call(_store, linked.Token).AsTask().WaitAsync(linked.Token);
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
