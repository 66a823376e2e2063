namespace Tessera;

/// <summary>
/// What happens to the stored session when the application detaches it from the request
/// (<see cref="HttpContextSessionExtensions.DetachSession(Microsoft.AspNetCore.Http.HttpContext)"/>),
/// express-session's <c>unset</c> option.
/// </summary>
public enum UnsetBehavior
{
    /// <summary>The stored session is left as it is; changes made during the request are not saved.</summary>
    Keep = 0,

    /// <summary>The stored session is destroyed when the response ends.</summary>
    Destroy = 1,
}
