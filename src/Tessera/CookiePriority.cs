namespace Tessera;

/// <summary>The <c>Priority</c> attribute of the session cookie (a Chromium extension).</summary>
public enum CookiePriority
{
    /// <summary><c>Priority=Low</c>.</summary>
    Low = 0,

    /// <summary><c>Priority=Medium</c>.</summary>
    Medium = 1,

    /// <summary><c>Priority=High</c>.</summary>
    High = 2,
}
