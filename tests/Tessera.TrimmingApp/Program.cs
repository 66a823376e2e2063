using System.Net;
using Tessera;
using Tessera.TrimmingApp;

// Serves a session-backed cart, asks itself for it twice with a cookie jar, prints both answers
// and exits: "item1 | item1,item2" means the session was saved, sent and loaded again.
var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseUrls("http://127.0.0.1:0");
builder.Logging.ClearProviders();
builder.Services.AddTessera(o => o.Secrets = ["trimmed secret"]);
var app = builder.Build();
app.UseTessera();
app.Run(async context =>
{
    var session = context.GetSession();
    var cart = session.Get("cart", CartJsonContext.Default.Cart) ?? new Cart([]);
    cart = new Cart([.. cart.Items, $"item{cart.Items.Count + 1}"]);
    session.Set("cart", cart, CartJsonContext.Default.Cart);
    await context.Response.WriteAsync(string.Join(',', cart.Items));
});

await app.StartAsync();
using var handler = new HttpClientHandler { CookieContainer = new CookieContainer() };
using var client = new HttpClient(handler) { BaseAddress = new Uri(app.Urls.First()) };
var first = await client.GetStringAsync(new Uri("/", UriKind.Relative));
var second = await client.GetStringAsync(new Uri("/", UriKind.Relative));
Console.WriteLine($"{first} | {second}");
await app.StopAsync();
