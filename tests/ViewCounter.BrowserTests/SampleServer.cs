using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ViewCounter.BrowserTests;

/// <summary>
/// The ViewCounter sample as a process of its own (<c>dotnet ViewCounter.dll</c>), on a loopback
/// port, with its SQLite file where the test says. It can be killed and started again on the
/// same port and file.
/// </summary>
internal sealed class SampleServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly string _sqlitePath;
    private readonly string _secret = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    private readonly StringBuilder _output = new();
    private Process? _process;

    private SampleServer(int port, string sqlitePath)
    {
        Port = port;
        _sqlitePath = sqlitePath;
    }

    public int Port { get; }

    /// <summary>The site's address, <c>http://127.0.0.1:port/</c>.</summary>
    public Uri Address => new($"http://127.0.0.1:{Port}/");

    /// <summary>What the process printed, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the sample on a free port and waits until it answers.</summary>
    public static async Task<SampleServer> StartAsync(string sqlitePath)
    {
        // A free port can be taken by someone else before the sample binds it: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var server = new SampleServer(FreePort(), sqlitePath);
            try
            {
                await server.StartAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                await server.DisposeAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Starts the process (again, after <see cref="KillAsync"/>) and waits until it answers.</summary>
    public async Task StartAsync()
    {
        var sample = Path.Combine(AppContext.BaseDirectory, "ViewCounter.dll");
        if (!File.Exists(sample))
        {
            throw new InvalidOperationException($"{sample} is missing: build tests/ViewCounter.BrowserTests, which builds the sample into its output.");
        }

        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Outside Development the sample needs a secret of its own: one per server, kept across a restart.
        foreach (var argument in new[] { sample, "--urls", $"http://127.0.0.1:{Port}", $"--Tessera:SqlitePath={_sqlitePath}", $"--Tessera:Secrets:0={_secret}" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        lock (_output)
        {
            _output.Clear();
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync();
                throw new InvalidOperationException($"The sample exited with code {process.ExitCode} at start on port {Port}:\n{Output}");
            }

            try
            {
                // Any answer will do; a path without a page creates no session.
                using var response = await client.GetAsync(new Uri(Address, "ready"));
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            if (deadline.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException($"The sample did not answer on port {Port} within {StartTimeout.TotalSeconds} s:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Kills the process, as a crash or a power cut would, and waits for it to exit.</summary>
    public async Task KillAsync()
    {
        var process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
        }
        finally
        {
            process.Dispose();
        }
    }

    public ValueTask DisposeAsync() => new(KillAsync());

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
