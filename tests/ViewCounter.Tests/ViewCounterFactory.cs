using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ViewCounter.Tests;

/// <summary>
/// The sample in memory, with its SQLite file in a temporary folder of its own (never in the
/// repository), deleted when the factory is disposed.
/// </summary>
public sealed class ViewCounterFactory : WebApplicationFactory<Program>
{
    public ViewCounterFactory()
        : this(Directory.CreateTempSubdirectory("viewcounter-tests-").FullName)
    {
    }

    private ViewCounterFactory(string folder)
    {
        Folder = folder;
    }

    /// <summary>The temporary folder.</summary>
    public string Folder { get; }

    /// <summary>The sample's SQLite file (Tessera:SqlitePath).</summary>
    public string SqlitePath => Path.Combine(Folder, "sessions.db");

    protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.UseSetting("Tessera:SqlitePath", SqlitePath);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open; the system cleans its temporary folder.
        }
    }
}
