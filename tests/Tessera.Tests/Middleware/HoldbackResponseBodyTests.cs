using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Tessera.Tests.Middleware;

/// <summary>Over real HTTP, a client cannot see a complete response before the session is stored.</summary>
public sealed class HoldbackResponseBodyTests
{
    public enum Writer
    {
        Stream,
        PipeWriter,
        CompleteAsync,
    }

    [Theory]
    [InlineData(Writer.Stream)]
    [InlineData(Writer.PipeWriter)]
    [InlineData(Writer.CompleteAsync)]
    public async Task A_response_with_a_content_length_completes_only_after_the_store_write(Writer writer)
    {
        var store = new GatedStore();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Services.AddTessera(o => o.Secrets = ["keyboard cat"]).UseStore(store);
        await using var app = builder.Build();
        app.UseTessera();
        app.Run(async context =>
        {
            context.GetSession().Set("views", 1);
            var body = Encoding.UTF8.GetBytes("session saved");
            context.Response.ContentLength = body.Length;
            switch (writer)
            {
                case Writer.Stream:
                    await context.Response.Body.WriteAsync(body);
                    break;
                case Writer.PipeWriter:
                    await context.Response.BodyWriter.WriteAsync(body);
                    break;
                case Writer.CompleteAsync:
                    await context.Response.Body.WriteAsync(body);
                    await context.Response.CompleteAsync();
                    break;
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(address) };

        var response = client.GetAsync("/");
        await store.WriteStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // The byte-level check (exactly all but the last byte sent while the write is held) is in
        // HoldbackWritePathTests; here, the client has no complete response while the write is held.
        var completedEarly = response.IsCompleted;
        store.Release.SetResult();
        var result = await response.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(completedEarly, "The client saw the whole response before the session was stored.");
        Assert.Equal("session saved", await result.Content.ReadAsStringAsync());
        Assert.Equal(1, store.Writes);
    }

    private sealed class GatedStore : ISessionStore
    {
        public TaskCompletionSource WriteStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Writes { get; private set; }

        public ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default) => ValueTask.FromResult<SessionData?>(null);

        public async ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default)
        {
            WriteStarted.TrySetResult();
            await Release.Task;
            Writes++;
            return null;
        }

        public ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
