using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Tessera.Interop.Tests;

/// <summary>
/// tests/interop/app.js, the express-session and connect-redis app, as a child process on a free
/// loopback port; killed with its process tree when disposed.
/// </summary>
internal sealed partial class NodeApp : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly StringBuilder _output;

    private NodeApp(Process process, StringBuilder output, Uri address)
    {
        _process = process;
        _output = output;
        Address = address;
    }

    /// <summary>The app's base address, <c>http://127.0.0.1:port/</c>.</summary>
    public Uri Address { get; }

    /// <summary>What the app printed so far.</summary>
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

    /// <summary>Starts the app and waits until it answers.</summary>
    /// <param name="redisUrl">The Redis server.</param>
    /// <param name="secrets">The secrets: the first signs, all verify.</param>
    /// <param name="cookieName">The cookie's name.</param>
    /// <param name="maxAge">The cookie's maxAge.</param>
    /// <param name="rolling">express-session's rolling option.</param>
    public static Task<NodeApp> StartAsync(string redisUrl, IReadOnlyList<string> secrets, string cookieName, TimeSpan maxAge, bool rolling = false) =>
        StartAsync(new Dictionary<string, string> { ["SESSION_STORE"] = "redis", ["REDIS_URL"] = redisUrl }, secrets, cookieName, maxAge, rolling);

    /// <summary>Starts the app on connect-pg-simple and waits until it answers.</summary>
    /// <param name="databaseUrl">The PostgreSQL database, as a node-postgres URL.</param>
    /// <param name="table">connect-pg-simple's table.</param>
    /// <param name="secrets">The secrets: the first signs, all verify.</param>
    /// <param name="cookieName">The cookie's name.</param>
    /// <param name="maxAge">The cookie's maxAge.</param>
    public static Task<NodeApp> StartOnPostgresAsync(string databaseUrl, string table, IReadOnlyList<string> secrets, string cookieName, TimeSpan maxAge) =>
        StartAsync(new Dictionary<string, string> { ["SESSION_STORE"] = "postgres", ["DATABASE_URL"] = databaseUrl, ["PG_TABLE"] = table }, secrets, cookieName, maxAge);

    private static async Task<NodeApp> StartAsync(IReadOnlyDictionary<string, string> store, IReadOnlyList<string> secrets, string cookieName, TimeSpan maxAge, bool rolling = false)
    {
        var folder = InteropFolder();
        if (!Directory.Exists(Path.Combine(folder, "node_modules")))
        {
            throw new InvalidOperationException(
                $"{Path.Combine(folder, "node_modules")} is missing: run npm ci in tests/interop (./test.sh does so).");
        }

        var node = FindExecutable("node")
            ?? throw new InvalidOperationException(
                "node is not installed (it is not on PATH), and the interop tests run express-session on it. "
                + "Install Node.js 18 or later (for example 'apt-get install -y nodejs npm'), then run npm ci in tests/interop.");

        var start = new ProcessStartInfo(node)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("app.js");
        foreach (var (name, value) in store)
        {
            start.Environment[name] = value;
        }

        if (secrets.Count == 1)
        {
            start.Environment["SESSION_SECRET"] = secrets[0];
        }
        else
        {
            start.Environment["SESSION_SECRETS"] = System.Text.Json.JsonSerializer.Serialize(secrets);
        }

        if (rolling)
        {
            start.Environment["SESSION_ROLLING"] = "true";
        }

        start.Environment["SESSION_NAME"] = cookieName;
        start.Environment["COOKIE_MAX_AGE"] = ((long)maxAge.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["PORT"] = "0";
        start.Environment["NODE_ENV"] = "production";

        var output = new StringBuilder();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        process.OutputDataReceived += (_, e) =>
        {
            Collect(output, e.Data);
            if (e.Data is not null && ListeningLine().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value + "/"));
            }
        };
        process.ErrorDataReceived += (_, e) => Collect(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var app = (NodeApp?)null;
        try
        {
            var exited = process.WaitForExitAsync();
            var first = await Task.WhenAny(listening.Task, exited, Task.Delay(StartTimeout));
            if (first != listening.Task)
            {
                var reason = first == exited ? $"exited with code {process.ExitCode}" : $"did not listen within {StartTimeout.TotalSeconds} s";
                throw new InvalidOperationException($"The Node.js interop app {reason}:\n{Read(output)}");
            }

            app = new NodeApp(process, output, await listening.Task);
            await app.WaitUntilItAnswersAsync();
            return app;
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
            else
            {
                await KillAsync(process);
                process.Dispose();
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync(_process);
        _process.Dispose();
    }

    private async Task WaitUntilItAnswersAsync()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await client.GetAsync(new Uri(Address, "health"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            if (_process.HasExited || deadline.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException($"The Node.js interop app does not answer at {Address}:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    private static async Task KillAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited in between.
        }

        await process.WaitForExitAsync();
    }

    /// <summary>tests/interop, found from the test assembly's folder upwards.</summary>
    private static string InteropFolder()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "tests", "interop");
            if (File.Exists(Path.Combine(candidate, "app.js")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"tests/interop/app.js was not found above {AppContext.BaseDirectory}.");
    }

    private static string? FindExecutable(string name)
    {
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/local/bin"]);
        return folders.Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);
    }

    private static void Collect(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Read(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    [GeneratedRegex(@"^listening on (http://127\.0\.0\.1:\d+)$")]
    private static partial Regex ListeningLine();
}
