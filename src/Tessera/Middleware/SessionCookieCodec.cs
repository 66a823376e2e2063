using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Tessera.Cookies;

namespace Tessera.Middleware;

/// <summary>
/// The session cookie on the wire: reads and verifies the request's cookie, and writes the
/// response's <c>Set-Cookie</c>. The only place the secrets are used. When the secrets change in
/// configuration (<see cref="Rotate"/>), the new ones sign and verify from the next request on,
/// and the table of verified cookie values starts empty, so nothing a removed secret signed is
/// still recognised.
/// </summary>
internal sealed class SessionCookieCodec
{
    private readonly TesseraOptions _options;
    private readonly ILogger _logger;
    private readonly TesseraMetrics _metrics;
    private Keys _keys;

    public SessionCookieCodec(TesseraOptions options, ILogger logger, TesseraMetrics metrics)
    {
        _options = options;
        _keys = new Keys(options.Secrets);
        _logger = logger;
        _metrics = metrics;
    }

    /// <summary>Signs and verifies with <paramref name="secrets"/> from now on (the first signs).</summary>
    public void Rotate(IList<string> secrets)
    {
        if (!secrets.SequenceEqual(Volatile.Read(ref _keys).Secrets, StringComparer.Ordinal))
        {
            Volatile.Write(ref _keys, new Keys(secrets));
            TesseraLog.SecretsRotated(_logger, secrets.Count);
        }
    }

    /// <summary>
    /// Reads the verified session ID from the request's cookie, or null. A cookie value verified
    /// before is recognised without computing its signature again.
    /// </summary>
    public VerifiedCookieCache.Entry? Read(HttpContext context)
    {
        if (!CookieHeaderParser.TryGetFirstRaw(context.Request.Headers.Cookie, _options.Name, out var raw) || raw.IsEmpty)
        {
            return null;
        }

        var keys = Volatile.Read(ref _keys);
        if (keys.Verified.TryGet(raw, out var known))
        {
            // A validation callback is the application's to answer each time (it may revoke IDs).
            if (_options.ValidateId is { } validate && !validate(known.Id))
            {
                _metrics.RejectedCookie("bad_id");
                TesseraLog.RejectedId(_logger);
                return null;
            }

            return known;
        }

        var value = CookieHeaderParser.Decode(raw, stackalloc char[CookieSigner.MaxValueLength]);
        if (!value.StartsWith("s:", StringComparison.Ordinal))
        {
            _metrics.RejectedCookie("unsigned");
            TesseraLog.UnsignedCookie(_logger);
            return null;
        }

        // Anyone can send a cookie: one that cannot be a signed ID costs no HMAC.
        if (!HasSignedShape(value[2..]))
        {
            _metrics.RejectedCookie("malformed");
            TesseraLog.MalformedCookie(_logger);
            return null;
        }

        var id = keys.Signer.Unsign(value[2..], out var signedByFirst);
        if (id is null)
        {
            _metrics.RejectedCookie("bad_signature");
            TesseraLog.BadSignature(_logger);
            return null;
        }

        if (!IsAcceptableId(id))
        {
            _metrics.RejectedCookie("bad_id");
            TesseraLog.RejectedId(_logger);
            return null;
        }

        // Sent back as is only when it is what signing the ID now would give, byte for byte: the
        // newest secret's signature, encoded as this application encodes it (no second HMAC).
        var resendable = signedByFirst
            && raw.SequenceEqual(CookieSigner.EncodeCookieValue(id, value[^CookieSigner.SignatureLength..], stackalloc char[CookieSigner.MaxValueLength]));
        return keys.Verified.Add(raw, id, resendable);
    }

    /// <summary>
    /// Sends the session's cookie: <paramref name="resendValue"/> (the request's own) when it is
    /// what would be sent. Written byte for byte as express-session writes it, unless a cookie
    /// policy (<c>UseCookiePolicy()</c>) wraps the response's cookies: then it goes through
    /// <c>Response.Cookies.Append</c>, so the policy's SameSite, Secure, HttpOnly and consent
    /// rules and its <c>OnAppendCookie</c> apply (and ASP.NET Core's formatting of the line).
    /// </summary>
    public void Write(HttpContext context, string id, SessionCookie cookie, string? resendValue, bool isEssential)
    {
        Span<char> buffer = stackalloc char[CookieSigner.MaxValueLength];
        var value = resendValue is null ? Volatile.Read(ref _keys).Signer.SignCookieValue(id, buffer) : resendValue;
        if (context.Features[typeof(IResponseCookiesFeature)] is IResponseCookiesFeature cookies and not ResponseCookiesFeature)
        {
            SetCookieHeader.ThrowIfInvalid(cookie);

            // Append encodes the value itself (as encodeURIComponent does for a signed ID): give it the decoded one.
            cookies.Cookies.Append(_options.Name, Uri.UnescapeDataString(value.ToString()), PolicyCookieOptions(cookie, isEssential));
            return;
        }

        context.Response.Headers.Append(HeaderNames.SetCookie, SetCookieHeader.Build(_options.Name, value, cookie));
    }

    private static CookieOptions PolicyCookieOptions(SessionCookie cookie, bool isEssential)
    {
        var options = new CookieOptions
        {
            Domain = cookie.Domain,
            Path = cookie.Path,
            Expires = cookie.Expires,
            HttpOnly = cookie.HttpOnly,
            Secure = cookie.Secure,
            SameSite = cookie.SameSite ?? Microsoft.AspNetCore.Http.SameSiteMode.Unspecified,
            IsEssential = isEssential,
        };
        if (cookie.Partitioned)
        {
            options.Extensions.Add("Partitioned");
        }

        switch (cookie.Priority)
        {
            case CookiePriority.Low:
                options.Extensions.Add("Priority=Low");
                break;
            case CookiePriority.Medium:
                options.Extensions.Add("Priority=Medium");
                break;
            case CookiePriority.High:
                options.Extensions.Add("Priority=High");
                break;
        }

        return options;
    }

    /// <summary>
    /// The check made before any HMAC: <c>id.signature</c>, the signature 43 characters of
    /// base64 and, with the default generator, the ID 32 characters of base64url.
    /// </summary>
    private bool HasSignedShape(ReadOnlySpan<char> signed)
    {
        var dot = signed.LastIndexOf('.');
        if (dot < 0 || signed.Length - dot - 1 != CookieSigner.SignatureLength)
        {
            return false;
        }

        foreach (var c in signed[(dot + 1)..])
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '+' and not '/')
            {
                return false;
            }
        }

        return _options.ValidateId is not null || _options.GenerateId is not null || IsDefaultShapedId(signed[..dot]);
    }

    /// <summary>Checked after the signature: a custom ID's validation is the application's, asked only about genuine cookies.</summary>
    private bool IsAcceptableId(string id)
    {
        if (_options.ValidateId is { } validate)
        {
            return validate(id);
        }

        if (_options.GenerateId is not null)
        {
            return id.Length is > 0 and <= 1024;
        }

        return true; // the default generator's shape was checked before the signature
    }

    private static bool IsDefaultShapedId(ReadOnlySpan<char> id)
    {
        if (id.Length != DefaultSessionIdGenerator.Length)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One generation of secrets: their signer and the values they verified.</summary>
    private sealed class Keys(IList<string> secrets)
    {
        public string[] Secrets { get; } = [.. secrets];

        public CookieSigner Signer { get; } = new(secrets);

        public VerifiedCookieCache Verified { get; } = new();
    }
}
