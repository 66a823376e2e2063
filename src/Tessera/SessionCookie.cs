using Microsoft.AspNetCore.Http;

namespace Tessera;

/// <summary>
/// The cookie of a session: its expiry and attributes, stored with the session data as
/// express-session's <c>cookie</c> object. Changing it changes the <c>Set-Cookie</c> header of
/// the response (when one is sent) and what is stored.
/// </summary>
public sealed class SessionCookie
{
    private readonly TimeProvider _time;
    private double? _originalMaxAgeMs;
    private DateTimeOffset? _expires;
    private string? _path = "/";
    private bool? _httpOnly = true;
    private bool? _secure;
    private string? _domain;
    private string? _sameSite;
    private bool? _partitioned;
    private string? _priority;

    /// <summary>Creates a browser-session cookie with express-session's defaults (<c>Path=/; HttpOnly</c>).</summary>
    /// <param name="timeProvider">The clock for <see cref="MaxAge"/>; <see cref="TimeProvider.System"/> when null.</param>
    public SessionCookie(TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
    }

    internal TimeProvider Time => _time;

    /// <summary>The session's absolute deadline, if it has one: the expiry is never armed past it.</summary>
    internal DateTimeOffset? Deadline { get; set; }

    /// <summary>
    /// When the cookie and the session expire; <see langword="null"/> for a browser-session cookie.
    /// Setting it also sets <see cref="OriginalMaxAge"/> to the time left until then.
    /// </summary>
    public DateTimeOffset? Expires
    {
        get => _expires;
        set
        {
            _expires = value is { } e ? TruncateToMilliseconds(e) : null;
            _originalMaxAgeMs = RemainingMilliseconds();
        }
    }

    /// <summary>
    /// The time left until <see cref="Expires"/> (negative once past), or <see langword="null"/>
    /// for a browser-session cookie. Setting it sets <see cref="Expires"/> to now plus the value
    /// and makes the value the new <see cref="OriginalMaxAge"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Now plus the value is past <see cref="DateTimeOffset.MaxValue"/> (or before <see cref="DateTimeOffset.MinValue"/>).</exception>
    public TimeSpan? MaxAge
    {
        get => RemainingMilliseconds() is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
        set
        {
            if (value is { } v)
            {
                var now = TruncateToMilliseconds(_time.GetUtcNow());
                if (v > DateTimeOffset.MaxValue - now || v < DateTimeOffset.MinValue - now)
                {
                    throw new ArgumentOutOfRangeException(nameof(MaxAge), v, "MaxAge is too large: now plus MaxAge is past the latest date a DateTimeOffset holds. Browsers keep a cookie at most 400 days.");
                }

                _expires = Cap(now.AddTicks(v.Ticks - (v.Ticks % TimeSpan.TicksPerMillisecond)));
                _originalMaxAgeMs = Math.Truncate(v.TotalMilliseconds);
            }
            else
            {
                _expires = null;
                _originalMaxAgeMs = null;
            }
        }
    }

    /// <summary>The lifetime the cookie was given, re-applied each time the session is touched.</summary>
    public TimeSpan? OriginalMaxAge => _originalMaxAgeMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null;

    /// <summary>The cookie's <c>Path</c>.</summary>
    public string Path
    {
        get => _path ?? "/";
        set => _path = value;
    }

    /// <summary>Whether the cookie is <c>HttpOnly</c>.</summary>
    public bool HttpOnly
    {
        get => _httpOnly ?? false;
        set => _httpOnly = value;
    }

    /// <summary>Whether the cookie is <c>Secure</c>. A secure cookie is not sent over an insecure request.</summary>
    public bool Secure
    {
        get => _secure ?? false;
        set => _secure = value;
    }

    /// <summary>The cookie's <c>Domain</c>, or <see langword="null"/>.</summary>
    public string? Domain
    {
        get => _domain;
        set => _domain = string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>The cookie's <c>SameSite</c>, or <see langword="null"/> when the attribute is not sent.</summary>
    public SameSiteMode? SameSite
    {
        get => ParseSameSite(_sameSite);
        set => _sameSite = value switch
        {
            SameSiteMode.Lax => "lax",
            SameSiteMode.Strict => "strict",
            SameSiteMode.None => "none",
            _ => null,
        };
    }

    /// <summary>Whether the cookie is <c>Partitioned</c>.</summary>
    public bool Partitioned
    {
        get => _partitioned ?? false;
        set => _partitioned = value;
    }

    /// <summary>The cookie's <c>Priority</c>, or <see langword="null"/>.</summary>
    public CookiePriority? Priority
    {
        get => _priority?.ToUpperInvariant() switch
        {
            "LOW" => CookiePriority.Low,
            "MEDIUM" => CookiePriority.Medium,
            "HIGH" => CookiePriority.High,
            _ => null,
        };
        set => _priority = value switch
        {
            CookiePriority.Low => "low",
            CookiePriority.Medium => "medium",
            CookiePriority.High => "high",
            _ => null,
        };
    }

    /// <summary>Re-arms the expiry: <see cref="Expires"/> becomes now plus <see cref="OriginalMaxAge"/>.</summary>
    public void ResetMaxAge()
    {
        if (_originalMaxAgeMs is { } ms)
        {
            _expires = Cap(TruncateToMilliseconds(_time.GetUtcNow()).AddMilliseconds(ms));
        }
        else
        {
            _expires = null;
        }
    }

    /// <summary>Creates an independent copy of this cookie.</summary>
    /// <returns>The copy.</returns>
    public SessionCookie Clone() => (SessionCookie)MemberwiseClone();

    internal SessionCookie WithTime(TimeProvider time)
    {
        if (ReferenceEquals(time, _time))
        {
            return this;
        }

        var copy = new SessionCookie(time);
        copy.CopyFrom(this);
        copy.Deadline = Deadline;
        return copy;
    }

    internal void CopyFrom(SessionCookie other)
    {
        _originalMaxAgeMs = other._originalMaxAgeMs;
        _expires = other._expires;
        _path = other._path;
        _httpOnly = other._httpOnly;
        _secure = other._secure;
        _domain = other._domain;
        _sameSite = other._sameSite;
        _partitioned = other._partitioned;
        _priority = other._priority;
    }

    /// <summary>Whether every attribute but the expiry is <paramref name="other"/>'s (what <see cref="CopyFrom"/> copies, but the expiry).</summary>
    internal bool HasAttributesOf(SessionCookie other) =>
        _originalMaxAgeMs == other._originalMaxAgeMs
        && string.Equals(_path, other._path, StringComparison.Ordinal)
        && _httpOnly == other._httpOnly
        && _secure == other._secure
        && string.Equals(_domain, other._domain, StringComparison.Ordinal)
        && string.Equals(_sameSite, other._sameSite, StringComparison.Ordinal)
        && _partitioned == other._partitioned
        && string.Equals(_priority, other._priority, StringComparison.Ordinal);

    // Raw state for the JSON document, kept as express-session stores it so that a document
    // written by Node.js is written back byte for byte.
    internal double? OriginalMaxAgeMilliseconds { get => _originalMaxAgeMs; set => _originalMaxAgeMs = value; }
    internal DateTimeOffset? RawExpires { get => _expires; set => _expires = value; }
    internal string? RawPath { get => _path; set => _path = value; }
    internal bool? RawHttpOnly { get => _httpOnly; set => _httpOnly = value; }
    internal bool? RawSecure { get => _secure; set => _secure = value; }
    internal string? RawDomain { get => _domain; set => _domain = value; }
    internal string? RawSameSite { get => _sameSite; set => _sameSite = value; }
    internal bool? RawPartitioned { get => _partitioned; set => _partitioned = value; }
    internal string? RawPriority { get => _priority; set => _priority = value; }

    internal static SameSiteMode? ParseSameSite(string? value) => value?.ToUpperInvariant() switch
    {
        "LAX" => SameSiteMode.Lax,
        "STRICT" or "TRUE" => SameSiteMode.Strict,
        "NONE" => SameSiteMode.None,
        _ => null,
    };

    private DateTimeOffset Cap(DateTimeOffset expires) =>
        Deadline is { } deadline && deadline < expires ? TruncateToMilliseconds(deadline) : expires;

    private double? RemainingMilliseconds() =>
        _expires is { } e ? (e - TruncateToMilliseconds(_time.GetUtcNow())).TotalMilliseconds : null;

    internal static DateTimeOffset TruncateToMilliseconds(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
}
