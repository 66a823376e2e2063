using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tessera.TestServers;

/// <summary>
/// A real <c>redis-server</c> of the test run's own, on a free loopback port, with persistence
/// off (a restart loses every key) unless started with <see cref="StartPersistentAsync"/>. Use it
/// as an xunit fixture (started before the first test, killed after the last) or through
/// <see cref="StartAsync"/>. It can be stopped and started again on the same port.
/// When <c>redis-server</c> is not installed it fails with a message saying how to install it.
/// </summary>
public sealed class RedisServer : IAsyncLifetime, IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly StringBuilder _output = new();
    private readonly string _executableName;
    private readonly string? _dataDirectory;
    private Process? _process;
    private int _port;

    /// <summary>Creates a server that <see cref="StartAsync"/> (or xunit, as a fixture) starts.</summary>
    public RedisServer()
        : this("redis-server")
    {
    }

    private RedisServer(string executableName, string? dataDirectory = null)
    {
        _executableName = executableName;
        _dataDirectory = dataDirectory;
    }

    /// <summary>The port it listens on (fixed at the first start).</summary>
    public int Port => _port != 0 ? _port : throw new InvalidOperationException("The Redis server has not been started.");

    /// <summary>A StackExchange.Redis configuration string for it.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Whether the server process is running.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>
    /// The folder of the server's append-only file when it persists its data
    /// (<see cref="StartPersistentAsync"/>); <see langword="null"/> when it does not.
    /// </summary>
    public string? DataDirectory => _dataDirectory;

    /// <summary>Starts a server.</summary>
    /// <param name="executableName">The program to look for on <c>PATH</c>.</param>
    /// <returns>The running server.</returns>
    public static async Task<RedisServer> StartNewAsync(string executableName = "redis-server")
    {
        var server = new RedisServer(executableName);
        try
        {
            await server.StartAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts a server that keeps its data across a kill and a restart: an append-only file,
    /// written and fsynced before every write is acknowledged (<c>appendfsync always</c>), in a
    /// temporary folder of its own that disposing the server deletes.
    /// </summary>
    /// <param name="executableName">The program to look for on <c>PATH</c>.</param>
    /// <returns>The running server.</returns>
    public static async Task<RedisServer> StartPersistentAsync(string executableName = "redis-server")
    {
        var server = new RedisServer(executableName, Directory.CreateTempSubdirectory("tessera-redis-").FullName);
        try
        {
            await server.StartAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts the server and waits until it answers <c>PING</c>: on a free port the first time,
    /// on the same port after <see cref="StopAsync"/>.
    /// </summary>
    /// <returns>A task that completes when the server answers.</returns>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            return;
        }

        var executable = FindExecutable(_executableName)
            ?? throw new InvalidOperationException(
                $"{_executableName} is not installed (it is not on PATH), and the Redis tests need a real server. "
                + "Install it with 'apt-get install -y redis-server' (./test.sh does so when run as root).");

        // A free port can be taken by someone else before redis-server binds it: try a few.
        var attempts = _port == 0 ? 5 : 1;
        for (var attempt = 1; ; attempt++)
        {
            var port = _port != 0 ? _port : FreePort();
            try
            {
                await StartOnAsync(executable, port);
                _port = port;
                return;
            }
            catch (InvalidOperationException) when (attempt < attempts)
            {
            }
        }
    }

    /// <summary>Kills the server (as a crash would) and waits for it to exit; the port is kept for a restart.</summary>
    /// <returns>A task that completes when the process has exited.</returns>
    public async Task StopAsync()
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

    /// <summary>
    /// Suspends the server process (<c>SIGSTOP</c>): it keeps its port and its connections open
    /// but answers nothing, as a hung server does, until <see cref="ResumeAsync"/>.
    /// </summary>
    /// <returns>A task that completes when the process is suspended.</returns>
    public Task PauseAsync() => SignalAsync("STOP");

    /// <summary>Resumes a server suspended by <see cref="PauseAsync"/> (<c>SIGCONT</c>).</summary>
    /// <returns>A task that completes when the process runs again.</returns>
    public Task ResumeAsync() => SignalAsync("CONT");

    /// <inheritdoc/>
    public Task InitializeAsync() => StartAsync();

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => new(StopAndDeleteAsync());

    /// <inheritdoc/>
    Task IAsyncLifetime.DisposeAsync() => StopAndDeleteAsync();

    private async Task SignalAsync(string signal)
    {
        var process = _process ?? throw new InvalidOperationException("The Redis server is not running.");
        var start = new ProcessStartInfo(FindExecutable("kill") ?? "kill") { UseShellExecute = false };
        start.ArgumentList.Add("-" + signal);
        start.ArgumentList.Add(process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var kill = Process.Start(start) ?? throw new InvalidOperationException("kill did not start.");
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {process.Id} exited with {kill.ExitCode}.");
        }
    }

    private async Task StopAndDeleteAsync()
    {
        await StopAsync();
        if (_dataDirectory is not null && Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private async Task StartOnAsync(string executable, int port)
    {
        lock (_output)
        {
            _output.Clear();
        }

        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] persistence = _dataDirectory is null
            ? ["--appendonly", "no"]
            : ["--appendonly", "yes", "--appendfsync", "always", "--dir", _dataDirectory];
        foreach (var argument in (string[])["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", .. persistence, "--daemonize", "no"])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync();
                _process = null;
                process.Dispose();
                throw new InvalidOperationException($"redis-server exited at start on port {port}:\n{Output()}");
            }

            if (await AnswersPingAsync(port))
            {
                return;
            }

            await Task.Delay(20);
        }

        await StopAsync();
        throw new InvalidOperationException($"redis-server did not answer PING on port {port} within {StartTimeout.TotalSeconds} s:\n{Output()}");
    }

    private static async Task<bool> AnswersPingAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string? FindExecutable(string name)
    {
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/local/bin", "/usr/sbin"]);
        return folders.Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);
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

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }
}
