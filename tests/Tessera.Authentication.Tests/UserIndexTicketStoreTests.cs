using System.Security.Claims;
using Tessera.StoreConformance;

namespace Tessera.Authentication.Tests;

/// <summary>
/// The ticket store on a store that indexes sessions by user (<see cref="IUserSessionStore"/>):
/// <see cref="SessionIndex"/> lists a user's signed-in browsers and signs them all out.
/// </summary>
public abstract class UserIndexTicketStoreTests : TicketStoreTests
{
    [Fact]
    public async Task SessionIndex_lists_each_browser_a_user_signed_in_with()
    {
        var app = await StartAsync();
        var laptop = app.Browser();
        var phone = app.Browser();
        var bob = app.Browser();

        await laptop.SignInAsync("alice");
        await phone.SignInAsync("alice");
        await bob.SignInAsync("bob");

        var listed = await app.Index.ListAsync("alice");
        Assert.Equal(
            new[] { app.StoreKeyOf(laptop), app.StoreKeyOf(phone) }.Order(StringComparer.Ordinal),
            listed.Select(s => s.Key).Order(StringComparer.Ordinal));
        Assert.All(listed, s => Assert.Equal("alice", s.UserId));
    }

    [Fact]
    public async Task SessionIndex_shows_when_and_with_which_browser_each_device_signed_in_and_a_renewal_keeps_both()
    {
        var app = await StartAsync(recordUserAgent: true);
        var laptop = app.Browser();
        laptop.UserAgent = "Laptop/1.0";
        var phone = app.Browser();
        phone.UserAgent = "Phone/2.0";
        var signedIn = Time.GetUtcNow();
        await laptop.SignInAsync("alice");
        Time.Advance(TimeSpan.FromMinutes(5));
        await phone.SignInAsync("alice");

        // Past half of its lifetime the laptop's ticket is renewed, by a browser that updated itself.
        Time.Advance(TimeSpan.FromMinutes(6));
        laptop.UserAgent = "Laptop/1.1";
        var renewed = Time.GetUtcNow();
        var before = laptop.Cookie;
        Assert.Equal("alice", await laptop.WhoAmIAsync());
        Assert.NotEqual(before, laptop.Cookie);

        var listed = (await app.Index.ListAsync("alice")).ToDictionary(s => s.Key);
        var onLaptop = listed[app.StoreKeyOf(laptop)];
        var onPhone = listed[app.StoreKeyOf(phone)];
        Assert.Equal((signedIn, "Laptop/1.0", renewed), (onLaptop.Created, onLaptop.UserAgent, onLaptop.LastSeen));
        Assert.Equal((signedIn + TimeSpan.FromMinutes(5), "Phone/2.0"), (onPhone.Created, onPhone.UserAgent));
    }

    [Fact]
    public async Task A_sign_in_as_another_user_over_a_browsers_key_is_listed_with_its_own_time_and_browser()
    {
        var app = await StartAsync(recordUserAgent: true);
        var browser = app.Browser();
        browser.UserAgent = "Laptop/1.0";
        var aliceSignedIn = Time.GetUtcNow();
        await browser.SignInAsync("alice");

        // Bob signs in on the same browser without signing alice out: cookie authentication renews the key.
        Time.Advance(TimeSpan.FromMinutes(3));
        browser.UserAgent = "Laptop/1.1";
        var key = app.StoreKeyOf(browser);
        await browser.SignInAsync("bob");
        Assert.Equal(key, app.StoreKeyOf(browser));

        var listed = Assert.Single(await app.Index.ListAsync("bob"));
        Assert.Equal((Time.GetUtcNow(), "Laptop/1.1"), (listed.Created, listed.UserAgent));
        Assert.NotEqual(aliceSignedIn, listed.Created);
        Assert.Empty(await app.Index.ListAsync("alice"));
    }

    [Fact]
    public async Task Without_RecordUserAgent_a_listed_ticket_has_its_sign_in_time_and_no_browser()
    {
        var app = await StartAsync();
        var laptop = app.Browser();
        laptop.UserAgent = "Laptop/1.0";
        await laptop.SignInAsync("alice");

        var listed = Assert.Single(await app.Index.ListAsync("alice"));

        Assert.Equal((Time.GetUtcNow(), null), (listed.Created, listed.UserAgent));
    }

    [Fact]
    public async Task Signing_a_user_out_everywhere_unauthenticates_every_browser_of_that_user_only()
    {
        var app = await StartAsync();
        var laptop = app.Browser();
        var phone = app.Browser();
        var bob = app.Browser();
        await laptop.SignInAsync("alice");
        await phone.SignInAsync("alice");
        await bob.SignInAsync("bob");

        var destroyed = await app.Index.DestroyAllAsync("alice");

        Assert.Equal(2, destroyed);
        Assert.Equal("anonymous", await laptop.WhoAmIAsync());
        Assert.Equal("anonymous", await phone.WhoAmIAsync());
        Assert.Equal("bob", await bob.WhoAmIAsync());
        Assert.Empty(await app.Index.ListAsync("alice"));
    }

    [Fact]
    public async Task A_ticket_signed_out_everywhere_stays_out_when_its_renewal_comes_later()
    {
        var app = await StartAsync();
        var browser = app.Browser();
        await browser.SignInAsync("alice");
        var cookie = browser.Cookie;

        await app.Index.DestroyAllAsync("alice");

        // A request that would slide the ticket, with the cookie from before.
        Time.Advance(TimeSpan.FromMinutes(11));
        browser.Cookie = cookie;
        Assert.Equal("anonymous", await browser.WhoAmIAsync());
        Assert.Empty(await app.Index.ListAsync("alice"));
    }

    [Fact]
    public async Task A_ticket_signed_out_everywhere_while_its_renewal_is_in_flight_stays_out()
    {
        var store = new PausingStore();
        var app = await StartAsync(wrapStore: store.Wrap);
        Assert.IsAssignableFrom<IConditionalSessionStore>(app.Store);
        var tickets = app.CookieOptions.SessionStore!;
        var ticket = Ticket("alice");
        var key = await tickets.StoreAsync(ticket);

        // The renewal reads the ticket; before it writes, the user is signed out everywhere.
        var (loaded, release) = store.PauseNextLoad();
        ticket.Properties.ExpiresUtc = Time.GetUtcNow() + AuthApp.ExpireTimeSpan + TimeSpan.FromMinutes(5);
        var renewal = tickets.RenewAsync(key, ticket);
        await loaded.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, await app.Index.DestroyAllAsync("alice"));
        release.SetResult();
        await renewal.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Null(await tickets.RetrieveAsync(key));
        Assert.Empty(await app.Index.ListAsync("alice"));
    }

    [Fact]
    public async Task Two_renewals_of_one_ticket_that_overlap_leave_it_signed_in_and_the_earlier_read_does_not_overwrite_the_later_write()
    {
        var store = new PausingStore();
        var (app, tickets, key) = await StartWithAlicesTicketAsync(store.Wrap);

        // Two tabs slide the ticket at once: the first has read it when the second renews it.
        var (loaded, release) = store.PauseNextLoad();
        var first = Ticket("alice");
        first.Properties.ExpiresUtc += TimeSpan.FromMinutes(5);
        var firstRenewal = tickets.RenewAsync(key, first);
        await loaded.WaitAsync(TimeSpan.FromSeconds(30));
        var second = Ticket("alice");
        second.Properties.ExpiresUtc += TimeSpan.FromMinutes(6);
        await tickets.RenewAsync(key, second);
        release.SetResult();
        await firstRenewal.WaitAsync(TimeSpan.FromSeconds(30));

        var stored = await tickets.RetrieveAsync(key);
        Assert.NotNull(stored);
        Assert.Equal(second.Properties.ExpiresUtc, stored.Properties.ExpiresUtc);
        Assert.Equal(app.StoreKey(key), Assert.Single(await app.Index.ListAsync("alice")).Key);
    }

    [Fact]
    public async Task A_sign_in_over_a_ticket_keeps_the_new_user_when_a_renewal_of_the_old_one_lands_in_between()
    {
        var store = new PausingStore();
        var (app, tickets, key) = await StartWithAlicesTicketAsync(store.Wrap);

        // Bob signs in on alice's browser: cookie authentication renews the key the browser has.
        // Before his ticket is written, one of alice's requests slides hers.
        var (loaded, release) = store.PauseNextLoad();
        var signIn = tickets.RenewAsync(key, Ticket("bob"));
        await loaded.WaitAsync(TimeSpan.FromSeconds(30));
        var slid = Ticket("alice");
        slid.Properties.ExpiresUtc += TimeSpan.FromMinutes(5);
        await tickets.RenewAsync(key, slid);
        release.SetResult();
        await signIn.WaitAsync(TimeSpan.FromSeconds(30));

        var stored = await tickets.RetrieveAsync(key);
        Assert.Equal("bob", stored?.Principal.FindFirst(ClaimTypes.NameIdentifier)?.Value);
        Assert.Equal(app.StoreKey(key), Assert.Single(await app.Index.ListAsync("bob")).Key);
        Assert.Empty(await app.Index.ListAsync("alice"));
    }

    [Fact]
    public async Task A_sign_in_over_a_ticket_is_written_after_fifteen_renewals_of_the_old_one_land_in_between()
    {
        InterveningWriterStore store = null!;
        var (_, tickets, key) = await StartWithAlicesTicketAsync(inner => store = InterveningWriterStore.Over(inner));

        store.Intervene(15);
        await tickets.RenewAsync(key, Ticket("bob"));

        Assert.Equal(15, store.Interventions);
        Assert.Equal("bob", (await tickets.RetrieveAsync(key))?.Principal.FindFirst(ClaimTypes.NameIdentifier)?.Value);
    }

    [Fact]
    public async Task A_sign_in_over_a_ticket_that_never_stops_being_renewed_fails_after_a_hundred_attempts()
    {
        InterveningWriterStore store = null!;
        var (_, tickets, key) = await StartWithAlicesTicketAsync(inner => store = InterveningWriterStore.Over(inner));

        store.Intervene(int.MaxValue);
        var failure = await Assert.ThrowsAsync<SessionStoreException>(() => tickets.RenewAsync(key, Ticket("bob")).WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Equal("save", failure.Operation);
        Assert.Equal(100, store.Interventions);
        Assert.DoesNotContain(key, failure.Message, StringComparison.Ordinal);
        Assert.Equal("alice", (await tickets.RetrieveAsync(key))?.Principal.FindFirst(ClaimTypes.NameIdentifier)?.Value);
    }

    [Fact]
    public async Task A_renewal_that_read_the_ticket_before_a_sign_in_over_it_does_not_bring_the_old_user_back()
    {
        var store = new PausingStore();
        var (app, tickets, key) = await StartWithAlicesTicketAsync(store.Wrap);

        // One of alice's requests renews her ticket with a claim more (as a principal validator
        // does); before it writes, bob signs in on the same browser.
        var (loaded, release) = store.PauseNextLoad();
        var refreshed = Ticket("alice");
        ((ClaimsIdentity)refreshed.Principal.Identity!).AddClaim(new Claim(ClaimTypes.Role, "auditor"));
        var renewal = tickets.RenewAsync(key, refreshed);
        await loaded.WaitAsync(TimeSpan.FromSeconds(30));
        await tickets.RenewAsync(key, Ticket("bob"));
        release.SetResult();
        await renewal.WaitAsync(TimeSpan.FromSeconds(30));

        var stored = await tickets.RetrieveAsync(key);
        Assert.Equal("bob", stored?.Principal.FindFirst(ClaimTypes.NameIdentifier)?.Value);
        Assert.Empty(await app.Index.ListAsync("alice"));
    }

    [Fact]
    public async Task With_HashIdsInStore_SessionIndex_lists_and_signs_out_the_hashed_keys()
    {
        var app = await StartAsync(hashIdsInStore: true);
        var browser = app.Browser();
        await browser.SignInAsync("alice");

        Assert.Equal(app.StoreKeyOf(browser), Assert.Single(await app.Index.ListAsync("alice")).Key);
        Assert.Equal(1, await app.Index.DestroyAllAsync("alice"));
        Assert.Equal("anonymous", await browser.WhoAmIAsync());
    }
}
