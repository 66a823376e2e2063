using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Tessera.Authentication;

/// <summary>Gives cookie authentication schemes Tessera's ticket store: the ones named in <see cref="TesseraTicketStoreOptions.Schemes"/>, or all of them.</summary>
internal sealed class TesseraTicketStoreSetup : IPostConfigureOptions<CookieAuthenticationOptions>
{
    private readonly TesseraTicketStore _store;
    private readonly TesseraTicketStoreOptions _options;

    public TesseraTicketStoreSetup(TesseraTicketStore store, IOptions<TesseraTicketStoreOptions> options)
    {
        _store = store;
        _options = options.Value;
    }

    public void PostConfigure(string? name, CookieAuthenticationOptions options)
    {
        if (_options.Schemes.Count > 0 && (name is null || !_options.Schemes.Contains(name)))
        {
            return;
        }

        // A scheme given a store of its own keeps it.
        options.SessionStore ??= _store;
    }
}
