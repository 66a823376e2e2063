using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Tessera.Benchmarks;

/// <summary>The three request scenarios, shared with the HTTP load test (bench/http).</summary>
public enum Scenario
{
    /// <summary>No cookie: a session is created, one value set, and saved.</summary>
    NewVisitor,

    /// <summary>A session cookie: the counter is read, incremented and saved.</summary>
    ReadModifyWrite,

    /// <summary>A session cookie: the counter is read.</summary>
    ReadOnly,
}

/// <summary>The handlers: with a session, and the same handler without one for the baseline.</summary>
public static class Handlers
{
    /// <summary>The request path of a scenario, as in the HTTP load test.</summary>
    public static string PathOf(Scenario scenario) => scenario switch
    {
        Scenario.NewVisitor => "/new",
        Scenario.ReadModifyWrite => "/rmw",
        _ => "/read",
    };

    /// <summary>The handler with a session; the scenario is the request path.</summary>
    public static RequestDelegate WithSession() => context =>
    {
        var session = context.GetSession();
        int views;
        switch (context.Request.Path.Value)
        {
            case "/new":
                views = 1;
                session.Set("views", views);
                break;
            case "/rmw":
                views = session.Get<int>("views") + 1;
                session.Set("views", views);
                break;
            default:
                views = session.Get<int>("views");
                break;
        }

        return WriteAsync(context, views);
    };

    public static RequestDelegate WithoutSession() => context => WriteAsync(context, 1);

    /// <summary>A small text response with a known length, as most APIs send.</summary>
    public static Task WriteAsync(HttpContext context, int views)
    {
        var text = "views: " + views.ToString(CultureInfo.InvariantCulture);
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength = text.Length;
        return context.Response.WriteAsync(text);
    }
}
