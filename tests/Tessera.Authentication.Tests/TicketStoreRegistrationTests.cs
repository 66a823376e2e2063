using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tessera.Authentication.Tests;

/// <summary>What AddCookieAuthenticationTicketStore configures: which schemes, and which claim names the user.</summary>
public sealed class TicketStoreRegistrationTests
{
    private static ServiceProvider Services(Action<TesseraTicketStoreOptions>? configure, Action<AuthenticationBuilder> addSchemes)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTessera(o => o.Secrets = ["keyboard cat"]).AddMemoryStore().AddCookieAuthenticationTicketStore(configure);
        addSchemes(services.AddAuthentication());
        return services.BuildServiceProvider();
    }

    private static ITicketStore? StoreOf(ServiceProvider services, string scheme) =>
        services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(scheme).SessionStore;

    [Fact]
    public void Every_cookie_scheme_gets_the_store_except_one_with_a_store_of_its_own()
    {
        var own = new OwnTicketStore();
        using var services = Services(null, auth => auth.AddCookie("A").AddCookie("B").AddCookie("C", o => o.SessionStore = own));

        Assert.NotNull(StoreOf(services, "A"));
        Assert.Same(StoreOf(services, "A"), StoreOf(services, "B"));
        Assert.Same(own, StoreOf(services, "C"));
    }

    [Fact]
    public void With_Schemes_named_only_those_schemes_get_the_store()
    {
        using var services = Services(o => o.Schemes.Add("A"), auth => auth.AddCookie("A").AddCookie("B"));

        Assert.NotNull(StoreOf(services, "A"));
        Assert.Null(StoreOf(services, "B"));
    }

    [Fact]
    public async Task UserIdClaimType_names_the_claim_whose_value_is_the_user()
    {
        using var services = Services(o => o.UserIdClaimType = "sub", auth => auth.AddCookie("A"));
        var tickets = StoreOf(services, "A")!;
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "user-42"), new Claim(ClaimTypes.NameIdentifier, "not-this")], "A"));

        await tickets.StoreAsync(new AuthenticationTicket(principal, "A"));

        var index = services.GetRequiredService<SessionIndex>();
        Assert.Single(await index.ListAsync("user-42"));
        Assert.Empty(await index.ListAsync("not-this"));
    }

    [Fact]
    public void An_empty_UserIdClaimType_is_an_error_that_names_the_option()
    {
        using var services = Services(o => o.UserIdClaimType = "", auth => auth.AddCookie("A"));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<TesseraTicketStoreOptions>>().Value);

        Assert.Contains("UserIdClaimType is empty", error.Message, StringComparison.Ordinal);
    }

    private sealed class OwnTicketStore : ITicketStore
    {
        public Task<string> StoreAsync(AuthenticationTicket ticket) => throw new NotSupportedException();

        public Task RenewAsync(string key, AuthenticationTicket ticket) => throw new NotSupportedException();

        public Task<AuthenticationTicket?> RetrieveAsync(string key) => throw new NotSupportedException();

        public Task RemoveAsync(string key) => throw new NotSupportedException();
    }
}
