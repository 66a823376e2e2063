using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Tessera.Middleware;

/// <summary>
/// Rotates the cookie's secrets when the options are reloaded from configuration (the rest of the
/// options are read once). A reload that fails validation changes nothing: the secrets in force
/// stay, and the failures are logged (<see cref="TesseraLog.SecretsReloadRejected"/>), since the
/// options monitor itself only throws into the configuration's reload, where a file watcher's
/// reload swallows it.
/// </summary>
internal static class SecretsReload
{
    /// <summary>Watches every change source of the default options for as long as the application runs.</summary>
    public static void Watch(
        IEnumerable<IOptionsChangeTokenSource<TesseraOptions>> sources,
        IOptionsFactory<TesseraOptions> factory,
        SessionCookieCodec codec,
        ILogger logger)
    {
        foreach (var source in sources)
        {
            if ((source.Name ?? Options.DefaultName) == Options.DefaultName)
            {
                ChangeToken.OnChange(source.GetChangeToken, () => Reload(factory, codec, logger));
            }
        }
    }

    private static void Reload(IOptionsFactory<TesseraOptions> factory, SessionCookieCodec codec, ILogger logger)
    {
        TesseraOptions options;
        try
        {
            options = factory.Create(Options.DefaultName);
        }
        catch (OptionsValidationException ex)
        {
            // The validator's messages name options, never a secret's value.
            TesseraLog.SecretsReloadRejected(logger, string.Join(" ", ex.Failures));
            return;
        }

        codec.Rotate(options.Secrets);
    }
}
