using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Tessera.Middleware;

/// <summary>
/// Recognises a request that <c>UseStaticFiles()</c> will serve when it runs after the session
/// middleware: a GET or HEAD with no endpoint to run, for a file of a known content type that
/// exists under the static files' request path, in their file provider (the web root by default).
/// It sees the <see cref="StaticFileOptions"/> registered as options, not ones passed to
/// <c>UseStaticFiles(options)</c> directly. Only a path with a known file extension costs a file lookup.
/// </summary>
internal sealed class StaticFileProbe
{
    private readonly IFileProvider? _files;
    private readonly PathString _requestPath;
    private readonly IContentTypeProvider _contentTypes;
    private readonly bool _serveUnknownFileTypes;

    public StaticFileProbe(IWebHostEnvironment? environment, StaticFileOptions? options)
    {
        var files = options?.FileProvider ?? environment?.WebRootFileProvider;
        _files = files is null or NullFileProvider ? null : files;
        _requestPath = options?.RequestPath ?? PathString.Empty;
        _contentTypes = options?.ContentTypeProvider ?? new FileExtensionContentTypeProvider();
        _serveUnknownFileTypes = options?.ServeUnknownFileTypes ?? false;
    }

    /// <summary>Whether the request is for a file that exists among the static files.</summary>
    public bool IsStaticFile(HttpContext context)
    {
        if (_files is null)
        {
            return false;
        }

        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return false;
        }

        if (!request.Path.StartsWithSegments(_requestPath, out var subpath) || subpath.Value is not { Length: > 1 } path)
        {
            return false;
        }

        if (!_serveUnknownFileTypes && !_contentTypes.TryGetContentType(path, out _))
        {
            return false;
        }

        var file = _files.GetFileInfo(path);
        return file.Exists && !file.IsDirectory;
    }
}
