namespace Tessera;

/// <summary>The session store failed, timed out, or could not settle a conflict; the inner exception says why.</summary>
public sealed class SessionStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SessionStoreException()
        : this("The session store failed.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    public SessionStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The store's own exception.</param>
    public SessionStoreException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a failed store operation.</summary>
    /// <param name="operation">The store operation: <c>load</c>, <c>save</c>, <c>touch</c> or <c>destroy</c>.</param>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The store's own exception.</param>
    public SessionStoreException(string operation, string message, Exception? innerException)
        : base(message, innerException)
    {
        Operation = operation;
    }

    /// <summary>The store operation that failed: <c>load</c>, <c>save</c>, <c>touch</c> or <c>destroy</c>.</summary>
    public string? Operation { get; }
}
