using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Tessera.Middleware;

/// <summary>express-session's <c>issecure(req, proxy)</c>.</summary>
internal static class RequestSecurity
{
    /// <summary>
    /// A TLS connection to this server is secure whatever <paramref name="proxy"/> says.
    /// Then <see langword="false"/> trusts nothing else; <see langword="true"/> trusts the first
    /// <c>X-Forwarded-Proto</c> value; <see langword="null"/> trusts <see cref="HttpRequest.IsHttps"/>.
    /// </summary>
    public static bool IsSecure(HttpContext context, bool? proxy)
    {
        if (context.Features.Get<ITlsConnectionFeature>() is not null)
        {
            return true;
        }

        return proxy switch
        {
            false => false,
            null => context.Request.IsHttps,
            true => ForwardedProtoIsHttps(context.Request.Headers["X-Forwarded-Proto"].ToString()),
        };
    }

    internal static bool ForwardedProtoIsHttps(string header)
    {
        var span = header.AsSpan();
        var comma = span.IndexOf(',');
        if (comma >= 0)
        {
            span = span[..comma];
        }

        return span.Trim().Equals("https", StringComparison.OrdinalIgnoreCase);
    }
}
