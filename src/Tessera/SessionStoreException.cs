namespace Tessera;

/// <summary>The session store failed, timed out, or could not settle a conflict; the inner exception says why.</summary>
/// <remarks>
/// A session ID is a bearer credential, and a store's exception may name the key it failed on.
/// When Tessera throws this exception for a store call, neither its message nor its inner
/// exception is the store's own: the inner exception is a copy that keeps the store exception's
/// type name (first in its <see cref="Exception.ToString"/>), message and stack trace with every
/// session ID and store key replaced by <c>[session:xxxxxxxx]</c>, the first 8 hex characters of
/// the SHA-256 of what was replaced; on a timeout it is a <see cref="TimeoutException"/> whose
/// inner exception is such a copy.
/// </remarks>
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
    /// <param name="innerException">Why it failed.</param>
    public SessionStoreException(string operation, string message, Exception? innerException)
        : base(message, innerException)
    {
        Operation = operation;
    }

    /// <summary>The store operation that failed: <c>load</c>, <c>save</c>, <c>touch</c> or <c>destroy</c>.</summary>
    public string? Operation { get; }
}
