using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Primitives;
using Tessera.Cookies;

namespace Tessera.Benchmarks;

/// <summary>The cookie work of every request: read and verify the signed ID, or sign a new one, and make new IDs.</summary>
[MemoryDiagnoser]
public class CookieBenchmarks
{
    private CookieSigner _signer = null!;
    private string _id = null!;
    private StringValues _cookieHeader;
    private VerifiedCookieCache _verified = null!;

    [GlobalSetup]
    public void Setup()
    {
        _signer = new CookieSigner([TypicalSession.Secret]);
        _id = DefaultSessionIdGenerator.Generate();
        var value = UriComponent.Encode("s:" + _signer.Sign(_id));

        // A browser's Cookie header: the session cookie among a few others.
        _cookieHeader = $"_ga=GA1.1.1234567890.1764400000; theme=dark; {TesseraOptions.DefaultName}={value}; lang=en";
        _verified = new VerifiedCookieCache();
        _verified.Add(value, _id, resendable: true);
    }

    /// <summary>What the middleware does with a returning visitor's Cookie header.</summary>
    [Benchmark]
    public string? ParseAndVerify()
    {
        Span<char> buffer = stackalloc char[CookieSigner.MaxValueLength];
        if (!CookieHeaderParser.TryGetFirst(_cookieHeader, TesseraOptions.DefaultName, buffer, out var raw) || !raw.StartsWith("s:", StringComparison.Ordinal))
        {
            return null;
        }

        return _signer.Unsign(raw[2..]);
    }

    /// <summary>
    /// What the middleware does with the Cookie header of a returning visitor whose cookie it has
    /// verified before: the same parse, then a constant-time comparison instead of an HMAC.
    /// </summary>
    [Benchmark]
    public string? ParseAndRecognize() =>
        CookieHeaderParser.TryGetFirstRaw(_cookieHeader, TesseraOptions.DefaultName, out var raw) && _verified.TryGet(raw, out var entry)
            ? entry.Id
            : null;

    /// <summary>The cookie value of a response: signed and URI-encoded.</summary>
    [Benchmark]
    public string Sign() => UriComponent.Encode("s:" + _signer.Sign(_id));

    /// <summary>What the middleware does instead: the encoded value in one allocation.</summary>
    [Benchmark]
    public string SignCookieValue() => _signer.SignCookieValue(_id);

    [Benchmark]
    public string GenerateId() => DefaultSessionIdGenerator.Generate();
}
