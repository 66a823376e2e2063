using Microsoft.AspNetCore.Http.Features;

namespace Tessera.Middleware;

/// <summary>
/// Why this request may not write its session, or none: a read-only endpoint
/// (<see cref="ReadOnlySessionAttribute"/>), or a cookie that is not essential
/// (<see cref="SessionCookieOptions.IsEssential"/>) while the user has not consented to tracking
/// (<see cref="ITrackingConsentFeature"/>, from <c>UseCookiePolicy()</c>). Consent is asked each
/// time, so consent granted during the request lets its end save the session.
/// </summary>
internal static class SessionWriteRefusal
{
    public static string? Reason(TesseraFeature feature)
    {
        if (feature.ReadOnly)
        {
            return "this endpoint's session is read-only ([ReadOnlySession] or .ReadOnlySession())";
        }

        if (!feature.IsEssential
            && feature.Context.Features[typeof(ITrackingConsentFeature)] is ITrackingConsentFeature { IsConsentNeeded: true, CanTrack: false })
        {
            return "the user has not consented to non-essential cookies and TesseraOptions.Cookie.IsEssential is false";
        }

        return null;
    }
}
