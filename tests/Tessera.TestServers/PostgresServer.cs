using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Tessera.TestServers;

/// <summary>
/// A real PostgreSQL server of the test run's own: a new cluster (<c>initdb</c>) in a temporary
/// folder, started with <c>pg_ctl</c> on a free loopback port with its socket in that folder,
/// trusting local connections as user <c>postgres</c>, and stopped and deleted after. Use it as an
/// xunit fixture; each test class takes a database of its own (<see cref="CreateDatabaseAsync"/>).
/// PostgreSQL refuses to run as root, so a test process running as root runs the server as the
/// <c>postgres</c> user (<c>runuser</c>); any other user runs it as itself. When PostgreSQL is not
/// installed it fails with a message saying how to install it.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime, IAsyncDisposable
{
    private const string SystemUser = "postgres";
    private int _databases;
    private string? _folder;
    private string? _binaries;
    private int _port;

    /// <summary>The port it listens on.</summary>
    public int Port => _port != 0 ? _port : throw new InvalidOperationException("The PostgreSQL server has not been started.");

    /// <summary>The database user tests connect as (trusted: no password).</summary>
    public static string User => "postgres";

    /// <summary>An Npgsql connection string for a database of the server.</summary>
    /// <param name="database">The database.</param>
    /// <returns>The connection string.</returns>
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username={User};Database={database};Maximum Pool Size=200;Timeout=15";

    /// <summary>A node-postgres connection URL for a database of the server.</summary>
    /// <param name="database">The database.</param>
    /// <returns>The URL.</returns>
    public string ConnectionUrl(string database) => $"postgres://{User}@127.0.0.1:{Port}/{database}";

    /// <summary>
    /// Creates a new, empty database with a unique name, optionally with a default time zone other
    /// than the server's (UTC), which every connection to it then uses unless it sets its own.
    /// </summary>
    /// <param name="timeZone">The database's <c>TimeZone</c>, for example <c>America/New_York</c>; the server's when null.</param>
    /// <returns>The database's name.</returns>
    public async Task<string> CreateDatabaseAsync(string? timeZone = null)
    {
        var name = "test" + Interlocked.Increment(ref _databases).ToString(CultureInfo.InvariantCulture);
        await using var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        if (timeZone is not null)
        {
            await using var set = new NpgsqlCommand($"ALTER DATABASE \"{name}\" SET timezone TO '{timeZone.Replace("'", "''", StringComparison.Ordinal)}'", connection);
            await set.ExecuteNonQueryAsync();
        }

        return name;
    }

    /// <summary>Creates a cluster in a new temporary folder and starts the server on a free port.</summary>
    /// <returns>A task that completes when the server accepts connections.</returns>
    public async Task StartAsync()
    {
        if (_folder is not null)
        {
            return;
        }

        _binaries = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin), and the PostgreSQL tests need a real server. "
            + "Install it with 'apt-get install -y postgresql' (./test.sh does so when run as root).");
        _folder = Directory.CreateTempSubdirectory("tessera-postgres-").FullName;
        var data = Path.Combine(_folder, "data");
        if (IsRoot)
        {
            await RunAsync("chown", [SystemUser + ":" + SystemUser, _folder]);
        }

        await RunServerToolAsync("initdb", ["-D", data, "-U", User, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]);

        // A free port can be taken by someone else before the server binds it: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var options = string.Join(' ',
                "-p", port.ToString(CultureInfo.InvariantCulture), "-k", _folder, "-c", "listen_addresses=127.0.0.1",
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=400",
                "-c", "timezone=UTC", "-c", "shared_buffers=16MB");
            try
            {
                await RunServerToolAsync("pg_ctl", ["-D", data, "-l", Path.Combine(_folder, "server.log"), "-o", options, "-w", "-t", "60", "start"]);
                _port = port;
                break;
            }
            catch (InvalidOperationException) when (attempt < 5)
            {
            }
        }

        SharedDatabase = await CreateDatabaseAsync();
    }

    /// <summary>A database created at start, for tests that each take tables of their own in it.</summary>
    public string SharedDatabase { get; private set; } = "";

    /// <summary>Stops the server (fast shutdown) and deletes its folder.</summary>
    /// <returns>A task that completes when the server is stopped and its files gone.</returns>
    public async Task StopAndDeleteAsync()
    {
        var folder = _folder;
        _folder = null;
        if (folder is null)
        {
            return;
        }

        try
        {
            if (_port != 0)
            {
                NpgsqlConnection.ClearAllPools();
                await RunServerToolAsync("pg_ctl", ["-D", Path.Combine(folder, "data"), "-m", "immediate", "-w", "stop"]);
            }
        }
        finally
        {
            _port = 0;
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <inheritdoc/>
    public Task InitializeAsync() => StartAsync();

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => new(StopAndDeleteAsync());

    /// <inheritdoc/>
    Task IAsyncLifetime.DisposeAsync() => StopAndDeleteAsync();

    private static bool IsRoot => Environment.UserName == "root";

    // Runs one of PostgreSQL's programs: as the postgres user when the tests run as root, which
    // PostgreSQL refuses to run as; as the current user otherwise.
    private Task RunServerToolAsync(string tool, string[] arguments)
    {
        var path = Path.Combine(_binaries!, tool);
        return IsRoot ? RunAsync("runuser", ["-u", SystemUser, "--", path, .. arguments]) : RunAsync(path, arguments);
    }

    private static async Task RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}\n{await error}");
        }
    }

    private static string? FindBinaries()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(folder => File.Exists(Path.Combine(folder, "initdb")) && File.Exists(Path.Combine(folder, "pg_ctl")));
        if (onPath is not null)
        {
            return onPath;
        }

        const string Installed = "/usr/lib/postgresql";
        return Directory.Exists(Installed)
            ? Directory.GetDirectories(Installed)
                .Select(version => Path.Combine(version, "bin"))
                .Where(bin => File.Exists(Path.Combine(bin, "initdb")))
                .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var major) ? major : 0)
                .FirstOrDefault()
            : null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
