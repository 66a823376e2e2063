namespace Tessera.Sqlite.Tests;

/// <summary>A folder of its own for one test's database files, deleted with them afterwards.</summary>
internal sealed class TemporaryFolder
{
    public TemporaryFolder()
    {
        Path = Directory.CreateTempSubdirectory("tessera-sqlite-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Delete()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere; the temporary folder is cleaned up by the system.
        }
    }
}
