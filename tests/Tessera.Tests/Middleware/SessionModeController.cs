using Microsoft.AspNetCore.Mvc;

namespace Tessera.Tests.Middleware;

/// <summary>A controller whose actions are read-only, one of them opted out of sessions altogether.</summary>
[Route("modes")]
[ReadOnlySession]
public sealed class SessionModeController : ControllerBase
{
    [HttpGet("read")]
    public string Read(Session session)
    {
        session.Set("n", 42); // discarded: the controller is read-only
        return $"new: {session.IsNew}";
    }

    [HttpGet("none")]
    [DisableSession]
    public string None() => HttpContext.TryGetSession(out _) ? "session" : "no session";
}
