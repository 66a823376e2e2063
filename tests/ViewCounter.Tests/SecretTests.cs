using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tessera;

namespace ViewCounter.Tests;

/// <summary>The README's "keyboard cat" signs cookies in Development only; elsewhere the secret comes from Tessera:Secrets.</summary>
public sealed class SecretTests
{
    [Fact]
    public async Task Outside_Development_without_Tessera_Secrets_the_sample_fails_to_start_saying_how_to_set_it()
    {
        await using var parent = new ViewCounterFactory();
        await using var factory = parent.WithWebHostBuilder(b => b.UseEnvironment("Production"));

        var error = Assert.Throws<InvalidOperationException>(() => factory.Services);

        Assert.Contains("Tessera:Secrets is not set, and the environment is Production", error.Message, StringComparison.Ordinal);
        Assert.Contains("Tessera__Secrets__0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_Development_the_configured_secret_signs_and_keyboard_cat_is_not_used()
    {
        await using var parent = new ViewCounterFactory();
        await using var factory = parent.WithWebHostBuilder(b => b.UseEnvironment("Production").UseSetting("Tessera:Secrets:0", "a secret of our own"));

        var options = factory.Services.GetRequiredService<IOptions<TesseraOptions>>().Value;

        Assert.Equal(["a secret of our own"], options.Secrets);
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/");
        response.EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task In_Development_without_a_configured_secret_the_sample_uses_keyboard_cat()
    {
        await using var parent = new ViewCounterFactory();
        await using var factory = parent.WithWebHostBuilder(b => b.UseEnvironment("Development"));

        var options = factory.Services.GetRequiredService<IOptions<TesseraOptions>>().Value;

        Assert.Equal(["keyboard cat"], options.Secrets);
    }
}
