using BenchmarkDotNet.Attributes;

namespace Tessera.Benchmarks;

/// <summary>
/// What the in-process request benchmarks share: the scenario and its request path, and the
/// returning visitors, who take turns through <see cref="Sessions"/> sessions.
/// </summary>
public abstract class ScenarioBenchmarks
{
    /// <summary>How many sessions returning visitors cycle through.</summary>
    public const int Sessions = 256;

    private int _next;

    [Params(Scenario.NewVisitor, Scenario.ReadModifyWrite, Scenario.ReadOnly)]
    public Scenario Scenario { get; set; }

    /// <summary>The scenario's request path.</summary>
    protected string Path => Handlers.PathOf(Scenario);

    /// <summary>The next request's cookie: none for a new visitor, the next returning visitor's otherwise.</summary>
    protected string? NextCookie(string[] cookies) =>
        Scenario == Scenario.NewVisitor ? null : cookies[_next++ & (Sessions - 1)];
}
