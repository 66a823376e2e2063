// Writes one session to a SQLite store, prints "written" once SetAsync has completed, and then
// waits to be killed: the durability test's stand-in for an application that crashes right
// after acknowledging a request. Usage: Tessera.Sqlite.Tests.Writer <database path> <session ID>
using System.Text;
using Tessera;

if (args.Length != 2)
{
    await Console.Error.WriteLineAsync("usage: Tessera.Sqlite.Tests.Writer <database path> <session ID>");
    return 2;
}

var store = new SqliteStore(new SqliteStoreOptions { Path = args[0] });
var data = new SessionData(new SessionCookie { MaxAge = TimeSpan.FromHours(1) });
data.SetRawValue("written", Encoding.UTF8.GetBytes("\"before the kill\""));
await store.SetAsync(args[1], data);

await Console.Out.WriteLineAsync("written");
await Console.Out.FlushAsync();
await Task.Delay(Timeout.Infinite);
return 0;
