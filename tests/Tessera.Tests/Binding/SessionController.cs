using Microsoft.AspNetCore.Mvc;

namespace Tessera.Tests.Binding;

/// <summary>Actions that take the session as a parameter, with and without [ApiController].</summary>
[ApiController]
[Route("mvc")]
public sealed class SessionController : ControllerBase
{
    [HttpGet("count")]
    public string Count(Session session)
    {
        var views = session.Get<int>("views") + 1;
        session.Set("views", views);
        return $"views: {views}";
    }

    [HttpPost("nullable")]
    public string Nullable(Session? session) => session is null ? "no session" : $"session, new: {session.IsNew}";

    [HttpGet("required")]
    public string Required(Session session) => $"session, new: {session.IsNew}";
}
