using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticAssets;

namespace Tessera.Middleware;

/// <summary>
/// Decides, before any store call, what the request may do with its session: from its endpoint's
/// metadata (<see cref="DisableSessionAttribute"/>, <see cref="ReadOnlySessionAttribute"/>, and
/// <c>MapStaticAssets()</c>'s <see cref="StaticAssetDescriptor"/>, treated as disabled), else,
/// with no endpoint to run, whether <c>UseStaticFiles()</c> will serve it (disabled too).
/// </summary>
internal sealed class SessionModeSelector(StaticFileProbe staticFiles)
{
    public RequestSessionMode Of(HttpContext context)
    {
        if (context.GetEndpoint() is { } endpoint)
        {
            var metadata = endpoint.Metadata;
            if (metadata.GetMetadata<DisableSessionAttribute>() is not null || metadata.GetMetadata<StaticAssetDescriptor>() is not null)
            {
                return RequestSessionMode.Disabled;
            }

            if (metadata.GetMetadata<ReadOnlySessionAttribute>() is not null)
            {
                return RequestSessionMode.ReadOnly;
            }

            if (endpoint.RequestDelegate is not null)
            {
                return RequestSessionMode.ReadWrite; // the endpoint runs: no static file is served
            }
        }

        return staticFiles.IsStaticFile(context) ? RequestSessionMode.Disabled : RequestSessionMode.ReadWrite;
    }
}
