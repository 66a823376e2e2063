namespace Tessera.StoreConformance;

/// <summary>
/// A one-shot signal between a test and a request it drives: opened once, awaited with a
/// generous timeout so that a broken build fails with a message instead of hanging.
/// </summary>
/// <param name="description">What opening the gate means, for the timeout message.</param>
public sealed class Gate(string description)
{
    /// <summary>How long a wait on a gate lasts before the test fails.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether the gate was opened.</summary>
    public bool IsOpen => _opened.Task.IsCompleted;

    /// <summary>Opens the gate; opening it again does nothing.</summary>
    public void Open() => _opened.TrySetResult();

    /// <summary>Waits until the gate is opened, at most <see cref="Timeout"/>.</summary>
    /// <exception cref="TimeoutException">The gate was not opened in time.</exception>
    public async Task WaitAsync()
    {
        try
        {
            await _opened.Task.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Waited {Timeout.TotalSeconds:0} s for {description}, which never happened.");
        }
    }

    /// <summary>Waits for <paramref name="task"/>, at most <see cref="Timeout"/>, failing with a message that says what it was.</summary>
    public static async Task<T> WithinTimeoutAsync<T>(Task<T> task, string what)
    {
        try
        {
            return await task.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Waited {Timeout.TotalSeconds:0} s for {what}, which never happened.");
        }
    }
}
