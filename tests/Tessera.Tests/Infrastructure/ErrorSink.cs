using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Tessera.Tests.Infrastructure;

/// <summary>
/// The application's error handler in front of the session middleware, as in express-session's
/// test harness: an error before the response started becomes a 500 whose body is the message;
/// every error is recorded. An error after the response started is recorded and rethrown, so
/// the server aborts the response as ASP.NET Core does.
/// </summary>
internal sealed class ErrorSink
{
    private readonly List<Exception> _errors = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<Exception> Errors
    {
        get
        {
            lock (_lock)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>Adds the handler to the pipeline (use it as, or inside, <c>before</c>).</summary>
    public void Install(IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception ex)
        {
            lock (_lock)
            {
                _errors.Add(ex);
            }

            if (context.Response.HasStarted)
            {
                throw;
            }

            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            // A store failure carries the store's own error, as express passes it to next(err).
            await context.Response.WriteAsync(ex is SessionStoreException { InnerException: { } inner } ? inner.Message : ex.Message);
        }
    });
}
