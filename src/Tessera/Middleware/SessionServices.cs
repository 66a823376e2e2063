using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Tessera.Middleware;

/// <summary>What the methods of every <see cref="Session"/> of one application use, shared by all of them.</summary>
internal sealed class SessionServices(TesseraOptions options, SessionFactory factory, SessionPersistence persistence, JsonSerializerOptions jsonOptions, ILogger logger)
{
    public TesseraOptions Options => options;

    public SessionFactory Factory => factory;

    public SessionPersistence Persistence => persistence;

    public JsonSerializerOptions JsonOptions => jsonOptions;

    public ILogger Logger => logger;
}
