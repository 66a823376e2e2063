using System.Security.Claims;

namespace Tessera;

/// <summary>How cookie authentication keeps its tickets in Tessera's store (<c>AddCookieAuthenticationTicketStore</c>).</summary>
public sealed class TesseraTicketStoreOptions
{
    /// <summary>
    /// The claim whose value is the user a ticket belongs to, recorded as the stored session's
    /// <see cref="SessionData.UserId"/> so that <see cref="SessionIndex"/> lists and signs out a
    /// user's tickets. Default: <see cref="ClaimTypes.NameIdentifier"/>. A principal without the
    /// claim is signed in all the same, but its ticket belongs to no user.
    /// </summary>
    public string UserIdClaimType { get; set; } = ClaimTypes.NameIdentifier;

    /// <summary>
    /// The cookie authentication schemes whose tickets Tessera keeps. Empty (the default): every
    /// cookie scheme that has no <c>SessionStore</c> of its own.
    /// </summary>
    public ISet<string> Schemes { get; } = new HashSet<string>(StringComparer.Ordinal);
}
