using Tessera.Middleware;

namespace Tessera.Tests.Middleware;

/// <summary>The decision table of express-session (spec §2.8), row by row.</summary>
public sealed class SessionDecisionsTests
{
    [Theory]
    // existing, saveUninitialized, savedDuringRequest, modified, saved => save
    [InlineData(false, true, false, false, false, true)]   // new, unmodified, saveUninitialized
    [InlineData(false, false, false, false, false, false)] // new, unmodified, !saveUninitialized
    [InlineData(false, false, false, true, false, true)]   // new, modified, !saveUninitialized
    [InlineData(false, false, true, false, true, false)]   // new, explicit save, nothing changed after
    [InlineData(false, false, true, true, true, false)]    // new, modified and explicitly saved: not again (1.17.3)
    [InlineData(false, false, true, true, false, true)]    // new, changed after the explicit save
    [InlineData(true, false, false, false, false, true)]   // loaded, resave: never counted as saved
    [InlineData(true, false, true, false, true, false)]    // loaded, !resave, unmodified
    [InlineData(true, false, true, true, false, true)]     // loaded, !resave, modified
    [InlineData(true, true, true, false, true, false)]     // loaded, saveUninitialized has no say
    public void ShouldSave_follows_express_session(bool existing, bool saveUninitialized, bool savedDuringRequest, bool modified, bool saved, bool expected) =>
        Assert.Equal(expected, SessionDecisions.ShouldSave(existing, saveUninitialized, savedDuringRequest, modified, saved));

    [Theory]
    [InlineData(true, false, true)]   // loaded and not saved: touch
    [InlineData(true, true, false)]   // saved instead
    [InlineData(false, false, false)] // a new session is never touched (#103)
    [InlineData(false, true, false)]
    public void ShouldTouch_only_touches_existing_sessions_that_are_not_saved(bool existing, bool shouldSave, bool expected) =>
        Assert.Equal(expected, SessionDecisions.ShouldTouch(existing, shouldSave));

    [Theory]
    // existing, saveUninitialized, rolling, modified, hasExpiry => set cookie
    [InlineData(false, true, false, false, true, true)]   // new, saveUninitialized
    [InlineData(false, false, false, false, true, false)] // new, unmodified, !saveUninitialized
    [InlineData(false, false, true, false, true, false)]  // rolling does not force a cookie for an uninitialized session (#89)
    [InlineData(false, false, false, true, true, true)]   // new, modified
    [InlineData(false, false, false, true, false, true)]  // new browser-session cookie, modified
    [InlineData(true, false, false, false, true, false)]  // loaded, unmodified
    [InlineData(true, false, true, false, true, true)]    // loaded, rolling
    [InlineData(true, false, false, true, true, true)]    // loaded, modified, expires set
    [InlineData(true, false, false, true, false, false)]  // loaded, modified, browser-session cookie (#135, #150, #151)
    [InlineData(true, true, true, false, false, true)]    // loaded browser-session cookie, rolling
    public void ShouldSetCookie_follows_express_session(bool existing, bool saveUninitialized, bool rolling, bool modified, bool hasExpiry, bool expected) =>
        Assert.Equal(expected, SessionDecisions.ShouldSetCookie(existing, saveUninitialized, rolling, modified, hasExpiry, slidingExpiry: false));

    [Theory]
    // existing, saveUninitialized, rolling, modified, slidingExpiry => set cookie (the cookie has an expiry)
    [InlineData(true, false, false, false, true, true)]    // loaded, unmodified, re-armed under an idle timeout: the cookie slides
    [InlineData(true, false, false, false, false, false)]  // loaded, unmodified, TouchAfter held the touch back: no cookie
    [InlineData(true, false, false, true, true, true)]     // loaded, modified and re-armed
    [InlineData(true, false, false, true, false, true)]    // loaded, modified (express's rule, whatever the throttle)
    [InlineData(true, false, true, false, false, true)]    // loaded, rolling (express's rule, whatever the throttle)
    [InlineData(true, true, false, false, true, true)]     // loaded, saveUninitialized has no say
    [InlineData(false, false, false, false, true, false)]  // new and uninitialized: never saved, so nothing slides
    [InlineData(false, false, false, true, true, true)]    // new, modified
    [InlineData(false, true, false, false, true, true)]    // new, saveUninitialized
    public void ShouldSetCookie_re_sends_a_sliding_cookie_whenever_the_expiry_is_re_armed(bool existing, bool saveUninitialized, bool rolling, bool modified, bool slidingExpiry, bool expected) =>
        Assert.Equal(expected, SessionDecisions.ShouldSetCookie(existing, saveUninitialized, rolling, modified, hasExpiry: true, slidingExpiry));

    [Theory]
    [InlineData(true, true, UnsetBehavior.Destroy, true)]
    [InlineData(true, true, UnsetBehavior.Keep, false)]
    [InlineData(false, true, UnsetBehavior.Destroy, false)]
    [InlineData(true, false, UnsetBehavior.Destroy, false)]
    public void ShouldDestroy_needs_an_id_a_detached_session_and_unset_destroy(bool hasSessionId, bool detached, UnsetBehavior unset, bool expected) =>
        Assert.Equal(expected, SessionDecisions.ShouldDestroy(hasSessionId, detached, unset));
}
