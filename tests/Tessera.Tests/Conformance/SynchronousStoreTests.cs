using Microsoft.AspNetCore.Http;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Conformance;

/// <summary>
/// express-session's <c>synchronous store</c>: a store whose operations complete synchronously
/// (the <see cref="MemoryStore"/> returns completed tasks) works as well as an asynchronous one.
/// </summary>
public sealed class SynchronousStoreTests
{
    // express-session #155
    [Fact]
    public async Task Responds_correctly_on_save()
    {
        var time = ExpressHarness.NewClock();
        var store = new MemoryStore(timeProvider: time);
        Assert.True(await CompletesSynchronouslyAsync(store.SetAsync("probe", new SessionData(new SessionCookie(time)))));
        await store.DestroyAsync("probe");
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), CountHits, store: store, time: time);

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("hits: 1", await response.Content.ReadAsStringAsync());
    }

    // express-session #156
    [Fact]
    public async Task Responds_correctly_on_destroy()
    {
        var time = ExpressHarness.NewClock();
        var store = new MemoryStore(timeProvider: time);
        Assert.True(await CompletesSynchronouslyAsync(store.DestroyAsync("probe")));
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Unset = UnsetBehavior.Destroy), async context =>
        {
            var session = context.GetSession();
            var count = session.Get<int>("count") + 1;
            session.Set("count", count);
            if (count > 1)
            {
                context.DetachSession();
                await context.Response.WriteAsync("destroyed\n");
            }

            await context.Response.WriteAsync($"hits: {count}");
        }, store: store, time: time);

        var first = await app.GetAsync();
        Assert.Equal("hits: 1", await first.Content.ReadAsStringAsync());

        var second = await app.GetAsync("/", SetCookie.Require(first));
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal("destroyed\nhits: 2", await second.Content.ReadAsStringAsync());
        Assert.Equal(0, await store.CountAsync());
    }

    private static async Task<bool> CompletesSynchronouslyAsync(ValueTask operation)
    {
        var synchronous = operation.IsCompleted;
        await operation;
        return synchronous;
    }

    private static async Task<bool> CompletesSynchronouslyAsync<T>(ValueTask<T> operation)
    {
        var synchronous = operation.IsCompleted;
        await operation;
        return synchronous;
    }

    private static Task CountHits(HttpContext context)
    {
        var session = context.GetSession();
        var count = session.Get<int>("count") + 1;
        session.Set("count", count);
        return context.Response.WriteAsync($"hits: {count}");
    }
}
