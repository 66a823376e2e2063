using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Time.Testing;
using Tessera.StoreConformance;

namespace Tessera.Authentication.Tests;

/// <summary>
/// Cookie authentication with its tickets in Tessera's store, through a real cookie-auth
/// pipeline on a TestServer. Each store derives a class of its own that says how to add the store.
/// </summary>
public abstract class TicketStoreTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly List<AuthApp> _apps = [];

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    /// <summary>Adds the store under test.</summary>
    protected abstract void AddStore(TesseraBuilder tessera);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
    }

    private protected AuthenticationTicket Ticket(string user)
    {
        var ticket = new AuthenticationTicket(AuthApp.Principal(user), CookieAuthenticationDefaults.AuthenticationScheme);
        ticket.Properties.ExpiresUtc = Time.GetUtcNow() + AuthApp.ExpireTimeSpan;
        return ticket;
    }

    /// <summary>Starts the app on the store seen through <paramref name="wrapStore"/> and stores a ticket of alice's through the ticket store.</summary>
    private protected async Task<(AuthApp App, ITicketStore Tickets, string Key)> StartWithAlicesTicketAsync(Func<ISessionStore, ISessionStore> wrapStore, bool hashIdsInStore = false)
    {
        var app = await StartAsync(hashIdsInStore, wrapStore);
        var tickets = app.CookieOptions.SessionStore ?? throw new InvalidOperationException("Cookie authentication has no ticket store.");
        return (app, tickets, await tickets.StoreAsync(Ticket("alice")));
    }

    private protected async Task<AuthApp> StartAsync(bool hashIdsInStore = false, Func<ISessionStore, ISessionStore>? wrapStore = null, bool recordUserAgent = false)
    {
        var app = await AuthApp.StartAsync(AddStore, Time, hashIdsInStore, wrapStore, recordUserAgent);
        _apps.Add(app);
        return app;
    }

    [Fact]
    public async Task Signing_in_sets_a_small_cookie_and_keeps_the_ticket_in_the_store()
    {
        var app = await StartAsync();
        var browser = app.Browser();

        await browser.SignInAsync("alice");

        var fullTicket = TicketSerializer.Default.Serialize(new AuthenticationTicket(AuthApp.Principal("alice"), CookieAuthenticationDefaults.AuthenticationScheme));
        Assert.True(fullTicket.Length > 2000, $"The principal's ticket is only {fullTicket.Length} bytes; the test needs a large one.");
        Assert.True(browser.Cookie!.Length < 600, $"The cookie is {browser.Cookie.Length} characters: it should carry only a key.");
        var stored = await app.Store.GetAsync(app.StoreKeyOf(browser));
        Assert.NotNull(stored);
        Assert.Contains("authenticationTicket", stored.Keys);
        Assert.Equal("alice", stored.UserId);
        Assert.Equal(Time.GetUtcNow() + AuthApp.ExpireTimeSpan, stored.Expires);
        Assert.Equal("alice", await browser.WhoAmIAsync());
    }

    [Fact]
    public async Task The_key_in_the_cookie_is_a_fresh_unguessable_id_for_each_sign_in()
    {
        var app = await StartAsync();
        var first = app.Browser();
        var second = app.Browser();

        await first.SignInAsync("alice");
        await second.SignInAsync("alice");

        Assert.Matches("^[A-Za-z0-9_-]{32}$", app.KeyIn(first));
        Assert.NotEqual(app.KeyIn(first), app.KeyIn(second));
    }

    [Fact]
    public async Task With_HashIdsInStore_the_store_holds_the_ticket_under_the_hash_of_the_key()
    {
        var app = await StartAsync(hashIdsInStore: true);
        var browser = app.Browser();

        await browser.SignInAsync("alice");

        var key = app.KeyIn(browser);
        Assert.Null(await app.Store.GetAsync(key));
        Assert.NotNull(await app.Store.GetAsync(app.StoreKey(key)));
        Assert.Equal("alice", await browser.WhoAmIAsync());
    }

    [Fact]
    public async Task Signing_out_removes_the_ticket_and_the_old_cookie_no_longer_authenticates()
    {
        var app = await StartAsync();
        var browser = app.Browser();
        await browser.SignInAsync("alice");
        var cookie = browser.Cookie;
        var storeKey = app.StoreKeyOf(browser);

        await browser.SignOutAsync();

        Assert.Null(browser.Cookie);
        Assert.Null(await app.Store.GetAsync(storeKey));
        var replay = app.Browser();
        replay.Cookie = cookie;
        Assert.Equal("anonymous", await replay.WhoAmIAsync());
    }

    [Fact]
    public async Task Sliding_expiration_renews_the_ticket_in_the_store_past_its_first_expiry()
    {
        var app = await StartAsync();
        var browser = app.Browser();
        await browser.SignInAsync("alice");
        var first = browser.Cookie;

        // Past half of its lifetime, a request renews the ticket and the cookie.
        Time.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal("alice", await browser.WhoAmIAsync());
        Assert.NotEqual(first, browser.Cookie);
        var renewed = await app.Store.GetAsync(app.StoreKeyOf(browser));
        Assert.NotNull(renewed);
        Assert.Equal(Time.GetUtcNow() + AuthApp.ExpireTimeSpan, renewed.Expires);
        Assert.Equal("alice", renewed.UserId);

        // Past the first expiry, within the renewed one.
        Time.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal("alice", await browser.WhoAmIAsync());
    }

    [Fact]
    public async Task An_expired_ticket_does_not_authenticate()
    {
        var app = await StartAsync();
        var browser = app.Browser();
        await browser.SignInAsync("alice");

        Time.Advance(AuthApp.ExpireTimeSpan + TimeSpan.FromSeconds(1));

        Assert.Equal("anonymous", await browser.WhoAmIAsync());
    }

    [Fact]
    public async Task A_sign_out_removes_the_ticket_even_when_the_client_goes_away_while_the_store_removes_it()
    {
        var store = new HoldingStore();
        var app = await StartAsync(wrapStore: store.Wrap);
        var browser = app.Browser();
        await browser.SignInAsync("alice");
        var cookie = browser.Cookie;
        var storeKey = app.StoreKeyOf(browser);

        // The user clicks "Sign out" and closes the tab while the store is removing the ticket.
        var hold = store.HoldNextDestroy();
        using var closeTab = new CancellationTokenSource();
        var signOut = browser.SendAsync(HttpMethod.Post, "/sign-out", closeTab.Token);
        await hold.Began.Task.WaitAsync(Timeout);
        await closeTab.CancelAsync();
        await app.ClientGone.WaitAsync(Timeout);
        hold.Release.SetResult();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => signOut.WaitAsync(Timeout));

        Assert.True(await hold.Ended.Task.WaitAsync(Timeout), "The removal of the ticket was cancelled with the request whose client went away.");
        Assert.Null(await app.Store.GetAsync(storeKey));
        browser.Cookie = cookie; // the browser never saw the cookie deleted
        Assert.Equal("anonymous", await browser.WhoAmIAsync());
    }

    [Fact]
    public async Task A_sign_in_whose_client_goes_away_after_the_store_wrote_its_ticket_leaves_no_ticket_behind()
    {
        var store = new HoldingStore();
        var app = await StartAsync(wrapStore: store.Wrap);
        var browser = app.Browser();

        // The ticket is in the store; before the store's answer reaches the sign-in, the tab is closed.
        var hold = store.HoldNextWriteAfterItLands();
        using var closeTab = new CancellationTokenSource();
        var signIn = browser.SendAsync(HttpMethod.Post, "/sign-in/alice", closeTab.Token);
        await hold.Began.Task.WaitAsync(Timeout);
        Assert.NotNull(await app.Store.GetAsync(hold.Key!));
        await closeTab.CancelAsync();
        await app.ClientGone.WaitAsync(Timeout);
        hold.Release.SetResult();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => signIn.WaitAsync(Timeout));

        Assert.Null(browser.Cookie);
        Assert.Null(await app.Store.GetAsync(hold.Key!));
    }

    [Fact]
    public async Task A_ticket_load_the_store_never_answers_fails_once_StoreTimeout_has_passed()
    {
        StallingStore store = null!;
        var (app, tickets, key) = await StartWithAlicesTicketAsync(inner => store = StallingStore.Over(inner));

        store.Arm(StallingCall.LoadIgnoringToken);
        var retrieve = tickets.RetrieveAsync(key);
        await store.Reached.WaitAsync();
        Time.Advance(app.StoreTimeout - TimeSpan.FromMilliseconds(1));
        Assert.False(retrieve.IsCompleted, "The load gave up before StoreTimeout had passed.");
        Time.Advance(TimeSpan.FromMilliseconds(1));

        var failure = await Assert.ThrowsAsync<SessionStoreException>(() => retrieve.WaitAsync(Timeout));
        Assert.IsType<TimeoutException>(failure.InnerException);
        Assert.Equal("load", failure.Operation);
    }

    [Fact]
    public async Task A_failed_ticket_load_says_what_failed_without_the_key()
    {
        var store = new HoldingStore();
        var (app, tickets, key) = await StartWithAlicesTicketAsync(store.Wrap, hashIdsInStore: true);

        store.FailNextLoad();
        var failure = await Assert.ThrowsAsync<SessionStoreException>(() => tickets.RetrieveAsync(key));

        Assert.Contains("the connection was reset", failure.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(app.StoreKey(key), failure.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(key, failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_removed_ticket_is_not_written_back_by_a_renewal()
    {
        var app = await StartAsync();
        var tickets = app.CookieOptions.SessionStore;
        Assert.NotNull(tickets);
        var ticket = Ticket("alice");
        var key = await tickets.StoreAsync(ticket);
        Assert.NotNull(await tickets.RetrieveAsync(key));

        await tickets.RemoveAsync(key);
        ticket.Properties.ExpiresUtc = Time.GetUtcNow() + AuthApp.ExpireTimeSpan + TimeSpan.FromMinutes(5);
        await tickets.RenewAsync(key, ticket);

        Assert.Null(await tickets.RetrieveAsync(key));
        Assert.Null(await app.Store.GetAsync(app.StoreKey(key)));
    }

    [Fact]
    public async Task A_stored_value_that_is_not_a_ticket_does_not_authenticate()
    {
        var app = await StartAsync();
        var browser = app.Browser();
        await browser.SignInAsync("alice");
        var storeKey = app.StoreKeyOf(browser);
        var stored = await app.Store.GetAsync(storeKey);
        Assert.NotNull(stored);
        stored.SetRawValue("authenticationTicket", "\"bm90IGEgdGlja2V0\""u8);
        await app.Store.SetAsync(storeKey, stored);

        using var response = await browser.SendAsync(HttpMethod.Get, "/me");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("anonymous", await response.Content.ReadAsStringAsync());
    }
}
