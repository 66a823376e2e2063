using System.Text;

namespace Tessera.Diagnostics;

/// <summary>
/// What is logged and attached in place of an exception that may name a session: the original
/// exception's type name, message and stack trace with session IDs and store keys redacted
/// (<see cref="SessionIdRedaction"/>), and its inner exceptions copied alike.
/// <see cref="ToString"/> reads as the original's would.
/// </summary>
internal sealed class RedactedException : Exception
{
    private readonly string? _stackTrace;

    public RedactedException()
        : this(typeof(Exception).FullName!, string.Empty, null, [])
    {
    }

    public RedactedException(string message)
        : this(typeof(Exception).FullName!, message, null, [])
    {
    }

    public RedactedException(string message, Exception? innerException)
        : base(message, innerException)
    {
        OriginalType = typeof(Exception).FullName!;
        InnerExceptions = innerException is null ? [] : [innerException];
    }

    public RedactedException(string originalType, string message, string? stackTrace, IReadOnlyList<RedactedException> innerExceptions)
        : base(message, innerExceptions.Count > 0 ? innerExceptions[0] : null)
    {
        OriginalType = originalType;
        _stackTrace = stackTrace;
        InnerExceptions = innerExceptions;
    }

    /// <summary>The full name of the original exception's type.</summary>
    public string OriginalType { get; }

    /// <summary>The copies of the original's inner exceptions (all of an <see cref="AggregateException"/>'s).</summary>
    public IReadOnlyList<Exception> InnerExceptions { get; }

    public override string? StackTrace => _stackTrace;

    public override string ToString()
    {
        var text = new StringBuilder(OriginalType);
        if (Message.Length > 0)
        {
            text.Append(": ").Append(Message);
        }

        for (var i = 0; i < InnerExceptions.Count; i++)
        {
            text.Append(Environment.NewLine).Append(" ---> ");
            if (InnerExceptions.Count > 1)
            {
                text.Append("(Inner Exception #").Append(i).Append(") ");
            }

            text.Append(InnerExceptions[i]).Append(Environment.NewLine).Append("   --- End of inner exception stack trace ---");
        }

        if (_stackTrace is not null)
        {
            text.Append(Environment.NewLine).Append(_stackTrace);
        }

        return text.ToString();
    }
}
