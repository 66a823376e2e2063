using System.Text;
using Microsoft.AspNetCore.Http;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Conformance;

/// <summary>
/// express-session's <c>session() › when response ended</c>: the response is not complete
/// before the store has the session.
/// </summary>
public sealed class WhenResponseEndedTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    // express-session #35
    [Fact]
    public async Task The_session_is_saved_before_the_response_completes()
    {
        var (store, gate) = GatedStore();
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), context =>
        {
            context.GetSession().Set("hit", true);
            context.Response.OnCompleted(() =>
            {
                store.Events.Enqueue("response completed");
                return Task.CompletedTask;
            });
            return context.Response.WriteAsync("session saved");
        }, store: store);

        var sending = app.GetAsync();
        await store.SetEntered.Task.WaitAsync(Timeout);
        Assert.False(sending.IsCompleted);
        gate.SetResult();
        var response = await sending.WaitAsync(Timeout);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("session saved", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, store.Sets);
        Assert.Equal(["set", "response completed"], store.Events);
    }

    // express-session #36
    [Fact]
    public async Task The_session_is_saved_before_an_empty_response_completes()
    {
        var (store, gate) = GatedStore();
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), context =>
        {
            context.GetSession().Set("hit", true);
            context.Response.ContentLength = 0;
            return Task.CompletedTask;
        }, store: store);

        var sending = app.GetAsync();
        await store.SetEntered.Task.WaitAsync(Timeout);
        Assert.False(sending.IsCompleted);
        gate.SetResult();
        var response = await sending.WaitAsync(Timeout);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(string.Empty, await response.Content.ReadAsStringAsync());
        Assert.Equal(1, store.Sets);
    }

    // express-session #37
    [Fact]
    public async Task The_last_byte_of_a_multi_write_response_waits_for_the_save()
    {
        var (store, gate) = GatedStore();
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), async context =>
        {
            context.GetSession().Set("hit", true);
            context.Response.ContentLength = 12;
            await context.Response.WriteAsync("hello, ");
            await context.Response.WriteAsync("world");
        }, store: store);

        var body = await ReadAcrossTheSaveAsync(app, store, gate, expectedBeforeSave: 11);

        Assert.Equal("hello, world", body);
        Assert.Equal(1, store.Sets);
    }

    // express-session #38
    [Fact]
    public async Task The_last_byte_of_a_content_length_response_waits_for_the_save()
    {
        var (store, gate) = GatedStore();
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), context =>
        {
            context.GetSession().Set("hit", true);
            context.Response.ContentLength = 13;
            return context.Response.WriteAsync("session saved");
        }, store: store);

        // A body this small, written in one write, is held back whole until the save (what reaches
        // the server before it is measured byte for byte in HoldbackWritePathTests).
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        var sending = app.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await store.SetEntered.Task.WaitAsync(Timeout);
        gate.SetResult();
        using var response = await sending.WaitAsync(Timeout);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal("session saved", body);
        Assert.Equal(1, store.Sets);
    }

    // express-session #39
    [Fact]
    public async Task The_stored_expiry_is_the_one_in_the_cookie()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Cookie.MaxAge = TimeSpan.FromMilliseconds(60000)), context =>
        {
            var session = context.GetSession();
            session.Set("user", "bob");
            return context.Response.WriteAsync(session.Id);
        });

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        var sid = SetCookie.SessionId(cookie);
        var stored = await app.Store.GetAsync(sid);
        Assert.NotNull(stored);
        var firstExpires = SessionTests.Rfc1123(stored.Cookie.Expires!.Value);
        Assert.Equal(SetCookie.Attribute(cookie, "Expires"), firstExpires);

        var now = app.Time.GetUtcNow();
        app.Time.Advance(TimeSpan.FromMilliseconds(1000 - now.Millisecond + 200));
        var second = await app.GetAsync("/", cookie);

        Assert.Equal(sid, await second.Content.ReadAsStringAsync());
        var restored = await app.Store.GetAsync(sid);
        Assert.NotNull(restored);
        Assert.NotEqual(firstExpires, SessionTests.Rfc1123(restored.Cookie.Expires!.Value));
    }

    private static (CountingStore Store, TaskCompletionSource Gate) GatedStore()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new CountingStore(ExpressHarness.NewClock()) { SetGate = gate.Task };
        return (store, gate);
    }

    /// <summary>
    /// Reads the body while the save is held: exactly <paramref name="expectedBeforeSave"/> bytes
    /// arrive; the rest only once the save is let through.
    /// </summary>
    private static async Task<string> ReadAcrossTheSaveAsync(TestApp app, CountingStore store, TaskCompletionSource gate, int expectedBeforeSave)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        var sending = app.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await store.SetEntered.Task.WaitAsync(Timeout);
        using var response = await sending.WaitAsync(Timeout);
        Assert.Equal(200, (int)response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();

        var buffer = new byte[64];
        var received = 0;
        while (received < expectedBeforeSave)
        {
            var read = await body.ReadAsync(buffer.AsMemory(received), CancellationToken.None).AsTask().WaitAsync(Timeout);
            Assert.NotEqual(0, read);
            received += read;
        }

        Assert.Equal(expectedBeforeSave, received);
        gate.SetResult();
        int more;
        while ((more = await body.ReadAsync(buffer.AsMemory(received)).AsTask().WaitAsync(Timeout)) > 0)
        {
            received += more;
        }

        return Encoding.UTF8.GetString(buffer, 0, received);
    }
}
