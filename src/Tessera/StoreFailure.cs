namespace Tessera;

/// <summary>What a request gets when the session store fails or does not answer within <see cref="TesseraOptions.StoreTimeout"/>.</summary>
public enum StoreFailure
{
    /// <summary>
    /// A <see cref="SessionStoreException"/> goes through ASP.NET's error path (exception
    /// handler, developer page, or a 500), as express-session passes the error to <c>next(err)</c>.
    /// </summary>
    Throw = 0,

    /// <summary>The request is answered <c>503 Service Unavailable</c> with a problem-details body.</summary>
    ServiceUnavailable = 1,

    /// <summary>
    /// The request runs without a session (<c>TryGetSession</c> is false); a failed write at the
    /// end of the request is logged and the response is left as the application made it.
    /// </summary>
    ContinueWithoutSession = 2,
}
