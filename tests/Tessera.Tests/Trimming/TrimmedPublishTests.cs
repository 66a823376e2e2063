using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Tessera.Tests.Trimming;

/// <summary>
/// Publishes tests/Tessera.TrimmingApp trimmed (from the packages the build restored, offline) and
/// checks that Tessera causes no trim or AOT analysis warning, and that the trimmed application
/// still saves and loads its session through source-generated JSON.
/// </summary>
public sealed partial class TrimmedPublishTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly string _output = Directory.CreateTempSubdirectory("tessera-trimmed-").FullName;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    [Fact]
    public async Task A_trimmed_application_using_Tessera_publishes_without_Tessera_trim_warnings_and_keeps_its_session()
    {
        var project = Path.Combine(RepositoryRoot(), "tests", "Tessera.TrimmingApp", "Tessera.TrimmingApp.csproj");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

        // The solution's build restored the runtime packs and built Tessera; no server is left behind.
        var publish = await RunAsync(dotnet, TimeSpan.FromMinutes(8), "publish", project, "-c", Configuration, "--no-restore",
            "-p:BuildProjectReferences=false", "-p:UseSharedCompilation=false", "-nodeReuse:false", "-o", _output);

        Assert.True(publish.ExitCode == 0, $"dotnet publish failed:\n{publish.Output}");
        var tesseraWarnings = publish.Output.Split('\n')
            .Where(line => AnalysisWarning().IsMatch(line) && line.Contains("Tessera", StringComparison.Ordinal))
            .ToList();
        Assert.True(tesseraWarnings.Count == 0, "Trim/AOT analysis warnings from Tessera:\n" + string.Join('\n', tesseraWarnings));

        var app = Path.Combine(_output, OperatingSystem.IsWindows() ? "Tessera.TrimmingApp.exe" : "Tessera.TrimmingApp");
        var run = await RunAsync(app, TimeSpan.FromMinutes(1));

        Assert.True(run.ExitCode == 0, $"The trimmed application failed:\n{run.Output}");
        Assert.Equal("item1 | item1,item2", run.Output.Trim());
    }

    [GeneratedRegex(@"warning IL[23]\d{3}")]
    private static partial Regex AnalysisWarning();

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Tessera.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Tessera.slnx was not found above " + AppContext.BaseDirectory);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} did not finish within {timeout}.");
        }

        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, output.ToString());
    }
}
