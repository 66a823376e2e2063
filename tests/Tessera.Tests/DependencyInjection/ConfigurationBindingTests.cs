using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.DependencyInjection;

/// <summary>
/// <c>AddTessera()</c> binds the <c>Tessera</c> configuration section, validates it at start-up,
/// and takes rotated secrets without a restart.
/// </summary>
public sealed class ConfigurationBindingTests
{
    private static async Task<(WebApplication App, ReloadableConfiguration Configuration)> StartAsync(
        Dictionary<string, string?> settings, Action<TesseraOptions>? configure = null)
    {
        var configuration = new ReloadableConfiguration(settings);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.Sources.Clear();
        ((IConfigurationBuilder)builder.Configuration).Add(configuration);
        builder.Services.AddTessera(configure);
        var app = builder.Build();
        app.UseTessera();
        app.Run(context =>
        {
            var session = context.GetSession();
            if (context.Request.Path == "/set")
            {
                session.Set("views", 1);
            }

            return context.Response.WriteAsync(session.Get<int>("views").ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
        await app.StartAsync();
        return (app, configuration);
    }

    private static async Task<string> BodyAsync(WebApplication app, string path, string? cookie = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        using var response = await app.GetTestClient().SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<string> CookieAsync(WebApplication app, string path)
    {
        using var response = await app.GetTestClient().GetAsync(path);
        return SetCookie.Require(response).Split(';')[0];
    }

    // What express-session's cookie-signature gives for this ID and secret.
    private static string SignedBy(string secret, string cookie)
    {
        var value = Uri.UnescapeDataString(cookie[(cookie.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        var id = value[2..value.LastIndexOf('.')];
        var mac = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(id))).TrimEnd('=');
        return value == $"s:{id}.{mac}" ? secret : "another secret";
    }

    [Fact]
    public async Task AddTessera_without_a_delegate_binds_the_Tessera_section()
    {
        var (app, _) = await StartAsync(new()
        {
            ["Tessera:Secrets:0"] = "from configuration",
            ["Tessera:Name"] = "sid",
            ["Tessera:Cookie:MaxAge"] = "00:20:00",
            ["Tessera:IdleTimeout"] = null,
        });
        await using var _ = app;

        var options = app.Services.GetRequiredService<IOptions<TesseraOptions>>().Value;
        var cookie = await CookieAsync(app, "/set");

        Assert.Equal(["from configuration"], options.Secrets);
        Assert.Equal(TimeSpan.FromMinutes(20), options.Cookie.MaxAge);
        Assert.StartsWith("sid=", cookie, StringComparison.Ordinal);
        Assert.Equal("from configuration", SignedBy("from configuration", cookie));
    }

    [Fact]
    public async Task The_delegate_has_the_last_word_over_the_section()
    {
        var (app, _) = await StartAsync(new() { ["Tessera:Secrets:0"] = "from configuration", ["Tessera:Name"] = "sid" }, o => o.Name = "from.code");
        await using var _ = app;

        Assert.StartsWith("from.code=", await CookieAsync(app, "/set"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_section_fails_start_up_with_a_message_naming_the_option()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new() { ["Tessera:Name"] = "sid" }));

        Assert.Contains("Secrets", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_rotated_in_configuration_verifies_old_cookies_and_signs_new_ones_without_a_restart()
    {
        var (app, configuration) = await StartAsync(new() { ["Tessera:Secrets:0"] = "old" });
        await using var _ = app;
        var before = await CookieAsync(app, "/set");
        Assert.Equal("old", SignedBy("old", before));

        // The new secret first (it signs), the old one still verifying.
        configuration.Reload(new() { ["Tessera:Secrets:0"] = "new", ["Tessera:Secrets:1"] = "old" });

        Assert.Equal("1", await BodyAsync(app, "/", before));
        var after = await CookieAsync(app, "/set");
        Assert.Equal("new", SignedBy("new", after));

        // The old secret removed: what it signed is no longer recognised, not even from the table of verified values.
        configuration.Reload(new() { ["Tessera:Secrets:0"] = "new" });

        Assert.Equal("0", await BodyAsync(app, "/", before));
        Assert.Equal("1", await BodyAsync(app, "/", after));
    }

    [Fact]
    public async Task A_reload_with_an_invalid_secret_keeps_the_secrets_in_force_and_logs_why()
    {
        var (app, configuration) = await StartAsync(new() { ["Tessera:Secrets:0"] = "old-7f3a" });
        await using var _ = app;
        var logs = new LogSink();
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);
        var before = await CookieAsync(app, "/set");

        // The options monitor's own listener throws into the reload; a file watcher's reload swallows that.
        Record.Exception(() => configuration.Reload(new() { ["Tessera:Secrets:0"] = "new-9c1d", ["Tessera:Secrets:1"] = "" }));

        var rejected = Assert.Single(logs.Named("SecretsReloadRejected"));
        Assert.Equal((18, LogLevel.Error), (rejected.EventId.Id, rejected.Level));
        Assert.Contains("TesseraOptions.Secrets must not contain a null or empty secret.", rejected.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("7f3a", rejected.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("9c1d", rejected.Message, StringComparison.Ordinal);
        Assert.Empty(logs.Named("SecretsRotated"));
        Assert.Equal("1", await BodyAsync(app, "/", before));
        Assert.Equal("old-7f3a", SignedBy("old-7f3a", await CookieAsync(app, "/set")));

        // The next valid reload rotates as usual.
        configuration.Reload(new() { ["Tessera:Secrets:0"] = "new-9c1d", ["Tessera:Secrets:1"] = "old-7f3a" });

        Assert.Single(logs.Named("SecretsRotated"));
        Assert.Equal("new-9c1d", SignedBy("new-9c1d", await CookieAsync(app, "/set")));
        Assert.Equal("1", await BodyAsync(app, "/", before));
    }

    /// <summary>An in-memory configuration whose whole content can be replaced, with the reload a file change makes.</summary>
    private sealed class ReloadableConfiguration(Dictionary<string, string?> initial) : IConfigurationSource
    {
        private Provider? _provider;

        public IConfigurationProvider Build(IConfigurationBuilder builder) => _provider ??= new Provider(initial);

        public void Reload(Dictionary<string, string?> settings) => _provider!.Replace(settings);

        private sealed class Provider(Dictionary<string, string?> initial) : ConfigurationProvider
        {
            public override void Load() => Data = new Dictionary<string, string?>(initial, StringComparer.OrdinalIgnoreCase);

            public void Replace(Dictionary<string, string?> settings)
            {
                Data = new Dictionary<string, string?>(settings, StringComparer.OrdinalIgnoreCase);
                OnReload();
            }
        }
    }
}
