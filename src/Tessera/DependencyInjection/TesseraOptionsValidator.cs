using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Tessera.Cookies;

namespace Tessera.DependencyInjection;

/// <summary>Checks <see cref="TesseraOptions"/> when the application starts; each failure names its option.</summary>
internal sealed class TesseraOptionsValidator : IValidateOptions<TesseraOptions>
{
    /// <summary>
    /// The longest lifetime, timeout or interval of a session: 400 days, which is also the longest
    /// lifetime browsers give a cookie (RFC 6265bis caps Expires and Max-Age at 400 days). Without a
    /// bound, a huge value overflows the date arithmetic and every new session fails.
    /// </summary>
    internal static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(400);

    /// <summary>The longest <see cref="TesseraOptions.StoreTimeout"/>: a request waits no longer than this for the store.</summary>
    internal static readonly TimeSpan MaxStoreTimeout = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, TesseraOptions options)
    {
        var failures = new List<string>();
        if (options.Secrets is null || options.Secrets.Count == 0)
        {
            failures.Add("TesseraOptions.Secrets must contain at least one secret (the first signs the session cookie).");
        }
        else if (options.Secrets.Any(string.IsNullOrEmpty))
        {
            failures.Add("TesseraOptions.Secrets must not contain a null or empty secret.");
        }

        if (string.IsNullOrEmpty(options.Name) || !CookieAttributeRules.IsValidName(options.Name))
        {
            failures.Add($"TesseraOptions.Name '{options.Name}' is not a valid cookie name (an RFC 7230 token).");
        }

        if (options.Cookie is null)
        {
            failures.Add("TesseraOptions.Cookie must not be null.");
        }
        else
        {
            ValidateCookie(options.Cookie, "TesseraOptions.Cookie", failures);
        }

        if (options.JsonSerializerOptions is null)
        {
            failures.Add("TesseraOptions.JsonSerializerOptions must not be null.");
        }

        if (!Enum.IsDefined(options.Unset))
        {
            failures.Add($"TesseraOptions.Unset must be Keep or Destroy, not {(int)options.Unset}.");
        }

        Positive(options.IdleTimeout, "TesseraOptions.IdleTimeout", failures);
        Positive(options.AbsoluteTimeout, "TesseraOptions.AbsoluteTimeout", failures);
        Positive(options.StoreTimeout, "TesseraOptions.StoreTimeout", failures);
        AtMostLifetime(options.IdleTimeout, "TesseraOptions.IdleTimeout", failures);
        AtMostLifetime(options.AbsoluteTimeout, "TesseraOptions.AbsoluteTimeout", failures);
        AtMostLifetime(options.TouchAfter, "TesseraOptions.TouchAfter", failures);
        AtMostLifetime(options.RenewGracePeriod, "TesseraOptions.RenewGracePeriod", failures);
        if (options.StoreTimeout > MaxStoreTimeout)
        {
            failures.Add($"TesseraOptions.StoreTimeout must be at most {MaxStoreTimeout.TotalMinutes:0} minutes: a request waits that long for the store before it fails.");
        }

        if (options.IdleTimeout is not null && options.Cookie?.MaxAge is not null)
        {
            failures.Add("TesseraOptions.IdleTimeout and TesseraOptions.Cookie.MaxAge are the same setting; set one of them.");
        }

        if (options.TouchAfter is { } touchAfter)
        {
            if (touchAfter < TimeSpan.Zero)
            {
                failures.Add("TesseraOptions.TouchAfter must not be negative.");
            }
            else if ((options.IdleTimeout ?? options.Cookie?.MaxAge) is { } idle && touchAfter >= idle)
            {
                failures.Add("TesseraOptions.TouchAfter must be shorter than the idle timeout, or sessions would expire between touches.");
            }
        }

        if (options.RenewGracePeriod < TimeSpan.Zero)
        {
            failures.Add("TesseraOptions.RenewGracePeriod must not be negative.");
        }

        if (!Enum.IsDefined(options.StoreFailure))
        {
            failures.Add($"TesseraOptions.StoreFailure must be Throw, ServiceUnavailable or ContinueWithoutSession, not {(int)options.StoreFailure}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void AtMostLifetime(TimeSpan? value, string name, List<string> failures)
    {
        if (value > MaxLifetime)
        {
            failures.Add($"{name} must be at most {MaxLifetime.TotalDays:0} days, the longest lifetime browsers give a cookie.");
        }
    }

    private static void Positive(TimeSpan? value, string name, List<string> failures)
    {
        if (value is { } v && v <= TimeSpan.Zero)
        {
            failures.Add($"{name} must be positive.");
        }
    }

    internal static void ValidateCookie(SessionCookieOptions cookie, string prefix, List<string> failures)
    {
        if (string.IsNullOrEmpty(cookie.Path) || !CookieAttributeRules.IsValidPath(cookie.Path))
        {
            failures.Add($"{prefix}.Path '{cookie.Path}' is invalid: it must be non-empty, without control characters, ';' or '<'.");
        }

        if (cookie.Domain is { Length: > 0 } domain && !CookieAttributeRules.IsValidDomain(domain))
        {
            failures.Add($"{prefix}.Domain '{domain}' is not a valid host name.");
        }

        if (cookie.MaxAge is { } maxAge && maxAge < TimeSpan.Zero)
        {
            failures.Add($"{prefix}.MaxAge must not be negative.");
        }

        AtMostLifetime(cookie.MaxAge, $"{prefix}.MaxAge", failures);

        if (!Enum.IsDefined(cookie.Secure))
        {
            failures.Add($"{prefix}.Secure is not a CookieSecurePolicy value.");
        }

        var neverSecure = cookie.Secure == CookieSecurePolicy.None;
        if (cookie.SameSite == SameSiteMode.None && !cookie.SameSiteAuto && neverSecure)
        {
            failures.Add($"{prefix}.SameSite is None but {prefix}.Secure is None: browsers reject SameSite=None cookies that are not Secure. Set Secure to Always or SameAsRequest.");
        }

        if (cookie.Partitioned && neverSecure)
        {
            failures.Add($"{prefix}.Partitioned requires a Secure cookie. Set {prefix}.Secure to Always or SameAsRequest.");
        }
    }
}
