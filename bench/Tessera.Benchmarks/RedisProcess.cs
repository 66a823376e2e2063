using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Tessera.Benchmarks;

/// <summary>A private redis-server on a free loopback port, without persistence (redis-server must be on the PATH).</summary>
public sealed class RedisProcess : IDisposable
{
    private readonly Process _server;

    private RedisProcess(Process server, string configuration)
    {
        _server = server;
        Configuration = configuration;
    }

    /// <summary>The server as StackExchange.Redis's configuration names it: <c>127.0.0.1:port</c>.</summary>
    public string Configuration { get; }

    public static async Task<RedisProcess> StartAsync()
    {
        var port = FreePort().ToString(CultureInfo.InvariantCulture);
        var server = Process.Start(new ProcessStartInfo("redis-server")
        {
            ArgumentList = { "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start.");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.OutputDataReceived += (_, line) =>
        {
            if (line.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        server.BeginOutputReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return new RedisProcess(server, "127.0.0.1:" + port);
    }

    public void Dispose()
    {
        _server.Kill();
        _server.WaitForExit();
        _server.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
