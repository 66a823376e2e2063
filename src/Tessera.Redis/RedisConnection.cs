using System.Net;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Tessera.Diagnostics;

namespace Tessera;

/// <summary>
/// The store's connection: one it was given (and leaves open), or one it opens on first use
/// from a configuration and owns. A failed connect is retried by the next call.
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable, IDisposable
{
    private readonly IConnectionMultiplexer? _given;
    private readonly ConfigurationOptions? _configuration;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private Task<IConnectionMultiplexer>? _connecting;
    private bool _disposed;

    private RedisConnection(IConnectionMultiplexer? given, ConfigurationOptions? configuration, ILogger logger)
    {
        _given = given;
        _configuration = configuration;
        _logger = logger;
        Endpoint = DescribeEndpoints(given?.GetEndPoints() ?? configuration!.EndPoints.ToArray(), configuration?.Ssl ?? false);
    }

    /// <summary>
    /// The servers, as <c>host:port</c> (comma-separated when there are several): what messages
    /// name, never the configuration string, which may hold a password.
    /// </summary>
    public string Endpoint { get; }

    /// <summary>
    /// Whether calls can be served: the multiplexer's <see cref="IConnectionMultiplexer.IsConnected"/>,
    /// and <see langword="true"/> before the first connect has finished (calls wait for it).
    /// </summary>
    public bool IsConnected
    {
        get
        {
            if (_given is not null)
            {
                return _given.IsConnected;
            }

            var connecting = Volatile.Read(ref _connecting);
            return connecting is not { IsCompletedSuccessfully: true } || connecting.Result.IsConnected;
        }
    }

    public static RedisConnection Given(IConnectionMultiplexer connection, ILogger logger) => new(connection, null, logger);

    public static RedisConnection Owned(string configuration, ILogger logger)
    {
        // Parse now, so that a malformed string fails when the store is created.
        var options = ConfigurationOptions.Parse(configuration);
        if (!configuration.Contains("abortConnect", StringComparison.OrdinalIgnoreCase))
        {
            options.AbortOnConnectFail = false;
        }

        // Keys (which hold session IDs) stay out of the client's exception messages, and so out of logs.
        options.IncludeDetailInExceptions = false;

        return new(null, options, logger);
    }

    public ValueTask<IConnectionMultiplexer> GetAsync(CancellationToken cancellationToken)
    {
        if (_given is not null)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
            return ValueTask.FromResult(_given);
        }

        // Connected already: no lock on the way of every command.
        if (Volatile.Read(ref _connecting) is { IsCompletedSuccessfully: true } connected && !Volatile.Read(ref _disposed))
        {
            return ValueTask.FromResult(connected.Result);
        }

        Task<IConnectionMultiplexer> connecting;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connecting is null || _connecting.IsFaulted || _connecting.IsCanceled)
            {
                _connecting = ConnectAsync(_configuration!.Clone());
            }

            connecting = _connecting;
        }

        return connecting.IsCompletedSuccessfully
            ? ValueTask.FromResult(connecting.Result)
            : new ValueTask<IConnectionMultiplexer>(connecting.WaitAsync(cancellationToken));
    }

    public async ValueTask DisposeAsync()
    {
        if (TakeForDisposal() is not { } connecting)
        {
            return;
        }

        IConnectionMultiplexer connection;
        try
        {
            connection = await connecting;
        }
        catch (Exception ex) when (ex is RedisException or OperationCanceledException or TimeoutException)
        {
            return; // nothing was opened
        }

        await connection.DisposeAsync();
    }

    public void Dispose()
    {
        if (TakeForDisposal() is not { } connecting)
        {
            return;
        }

        if (connecting.IsCompletedSuccessfully)
        {
            connecting.Result.Dispose();
        }
        else
        {
            // Still connecting: close the connection when it is made, without blocking here.
            _ = connecting.ContinueWith(
                static task => task.Result.Dispose(),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private static string DescribeEndpoints(EndPoint[] endpoints, bool ssl)
    {
        if (endpoints.Length == 0)
        {
            return "(no endpoint)";
        }

        var defaultPort = ssl ? 6380 : 6379;
        return string.Join(", ", endpoints.Select(endpoint => endpoint switch
        {
            DnsEndPoint dns => $"{dns.Host}:{(dns.Port == 0 ? defaultPort : dns.Port)}",
            IPEndPoint ip => new IPEndPoint(ip.Address, ip.Port == 0 ? defaultPort : ip.Port).ToString(),
            _ => endpoint.ToString() ?? endpoint.GetType().Name,
        }));
    }

    private Task<IConnectionMultiplexer>? TakeForDisposal()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return null;
            }

            _disposed = true;
            var connecting = _connecting;
            _connecting = null;
            return connecting;
        }
    }

    private async Task<IConnectionMultiplexer> ConnectAsync(ConfigurationOptions options)
    {
        RedisStoreLog.Connecting(_logger, Endpoint);
        try
        {
            return await ConnectionMultiplexer.ConnectAsync(options);
        }
        catch (Exception ex)
        {
            RedisStoreLog.ConnectFailed(_logger, Endpoint, SessionIdRedaction.Copy(ex));
            throw;
        }
    }
}
