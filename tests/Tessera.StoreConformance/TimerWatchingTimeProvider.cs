using Microsoft.Extensions.Time.Testing;

namespace Tessera.StoreConformance;

/// <summary>
/// A fake clock that opens a gate when a timer is started on it after <see cref="Watch"/>: a test
/// can then advance the clock knowing that the timer it means to fire exists.
/// </summary>
public sealed class TimerWatchingTimeProvider() : FakeTimeProvider(DateTimeOffset.UtcNow)
{
    private Gate? _timerStarted;

    /// <summary>Returns a gate that opens when the next timer with a finite due time is started.</summary>
    public Gate Watch(string what) => _timerStarted = new Gate(what);

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime > TimeSpan.Zero && dueTime != global::System.Threading.Timeout.InfiniteTimeSpan)
        {
            _timerStarted?.Open();
        }

        return timer;
    }
}
