using Microsoft.Extensions.Logging;
using Tessera.Diagnostics;

namespace Tessera;

/// <summary>
/// What every store does with the documents it keeps: read one back (a corrupt document is
/// logged and treated as missing) and work out when a session expires (its cookie's expiry, or
/// the store's default lifetime for a browser-session cookie).
/// </summary>
public static class StoreDocument
{
    /// <summary>
    /// Reads a stored express-session document. A document that does not parse is logged as a
    /// Warning (<c>UnreadableSession</c>, without the key or anything shaped like a session ID) and
    /// read as missing, so that the request gets a new session rather than an error.
    /// </summary>
    /// <param name="utf8Json">The stored document, as UTF-8.</param>
    /// <param name="timeProvider">The store's clock, for the cookie's remaining time.</param>
    /// <param name="logger">The store's logger; nothing is logged when null.</param>
    /// <returns>The session, or <see langword="null"/> when the document cannot be read.</returns>
    public static SessionData? Read(ReadOnlySpan<byte> utf8Json, TimeProvider timeProvider, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        try
        {
            return SessionData.Parse(utf8Json, timeProvider);
        }
        catch (FormatException ex)
        {
            if (logger is not null)
            {
                StoreDocumentLog.UnreadableSession(logger, SessionIdRedaction.Copy(ex));
            }

            return null;
        }
    }

    /// <summary>
    /// When a stored session expires: its cookie's <see cref="SessionData.Expires"/>, or, for a
    /// cookie without expiry (a browser-session cookie), <paramref name="defaultLifetime"/> from now.
    /// </summary>
    /// <param name="data">The session being written or touched.</param>
    /// <param name="defaultLifetime">The store's lifetime of a session without expiry (its <c>DefaultLifetime</c> option).</param>
    /// <param name="timeProvider">The store's clock.</param>
    /// <returns>The expiry; at or before now when the session has already expired.</returns>
    public static DateTimeOffset Expiry(SessionData data, TimeSpan defaultLifetime, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(timeProvider);
        return data.Expires ?? timeProvider.GetUtcNow() + defaultLifetime;
    }

    /// <summary>
    /// The time a stored session has left: until its cookie's expiry, or
    /// <paramref name="defaultLifetime"/> for a cookie without expiry. Zero or less when the
    /// session has expired, in which case a store removes it rather than writing it.
    /// </summary>
    /// <param name="data">The session being written or touched.</param>
    /// <param name="defaultLifetime">The store's lifetime of a session without expiry (its <c>DefaultLifetime</c> option).</param>
    /// <param name="timeProvider">The store's clock.</param>
    /// <returns>The time left.</returns>
    public static TimeSpan TimeLeft(SessionData data, TimeSpan defaultLifetime, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(timeProvider);
        return data.Expires is { } expires ? expires - timeProvider.GetUtcNow() : defaultLifetime;
    }
}
