using System.Diagnostics;
using System.Reflection;
using Xunit;

namespace Tessera.Tests.Infrastructure;

/// <summary>
/// A theory about what an optimized build of Tessera allocates. It is reported as skipped, with
/// the reason, when Tessera is built without optimizations (Debug): the compiler then makes every
/// async state machine a class, so an async method allocates even when it completes at once, and
/// the figures would be the debugger's, not the library's. The test script builds Release.
/// </summary>
public sealed class OptimizedBuildTheoryAttribute : TheoryAttribute
{
    public OptimizedBuildTheoryAttribute()
    {
        if (typeof(TesseraOptions).Assembly.GetCustomAttribute<DebuggableAttribute>() is { IsJITOptimizerDisabled: true })
        {
            Skip = "Allocation figures are those of an optimized build; Tessera is built without optimizations here (run with -c Release).";
        }
    }
}
