using System.Text;
using StackExchange.Redis;
using Tessera.TestServers;

namespace Tessera.Redis.Tests;

/// <summary>
/// The store says it honors cancellation (<see cref="ISessionStore.HonorsCancellation"/>), so the
/// runtime puts no wait of its own around its calls: every call a request makes ends as soon as
/// its token is cancelled while Redis answers nothing. The server is suspended (<c>SIGSTOP</c>)
/// with the command sent; nothing waits on the clock.
/// </summary>
public sealed class RedisStoreCancellationTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private ConnectionMultiplexer _connection = null!;

    public static TheoryData<string> Calls => ["get", "get-and-touch", "set", "conditional set", "destroy", "touch", "user sessions"];

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartNewAsync();

        // StackExchange.Redis's own timeout far beyond the test: only the token can end a call.
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration + ",asyncTimeout=600000,syncTimeout=600000");
    }

    public async Task DisposeAsync()
    {
        await _redis.ResumeAsync();
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task A_call_in_flight_ends_as_cancelled_when_its_token_is_cancelled_while_Redis_answers_nothing(string call)
    {
        await using var store = new RedisStore(_connection);
        Assert.True(store.HonorsCancellation);
        var version = await store.SetAsync("abc", NewSession(("n", "1"), user: "alice"));
        await _redis.PauseAsync();
        using var cancel = new CancellationTokenSource();

        var pending = Start(store, call, version!, cancel.Token);

        Assert.False(pending.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);

        // Redis comes back (and runs the command it was sent): the store serves the next calls.
        await _redis.ResumeAsync();
        await store.SetAsync("after", NewSession(("n", "3")));
        Assert.NotNull(await store.GetAsync("after"));
    }

    private static Task Start(RedisStore store, string call, object version, CancellationToken token) => call switch
    {
        "get" => store.GetAsync("abc", token).AsTask(),
        "get-and-touch" => store.GetAndTouchAsync("abc", DateTimeOffset.UtcNow.AddHours(1), token).AsTask(),
        "set" => store.SetAsync("abc", NewSession(("n", "2")), token).AsTask(),
        "conditional set" => store.TrySetAsync("abc", NewSession(("n", "2")), version, token).AsTask(),
        "destroy" => store.DestroyAsync("abc", token).AsTask(),
        "touch" => store.TouchAsync("abc", NewSession(("n", "1")), token).AsTask(),
        "user sessions" => store.GetUserSessionsAsync("alice", token).AsTask(),
        _ => throw new ArgumentOutOfRangeException(nameof(call)),
    };

    private static SessionData NewSession(params (string Key, string Json)[] values) => NewSession(values, user: null);

    private static SessionData NewSession((string Key, string Json) value, string? user) => NewSession([value], user);

    private static SessionData NewSession((string Key, string Json)[] values, string? user)
    {
        var data = new SessionData(new SessionCookie { MaxAge = TimeSpan.FromHours(1) }) { UserId = user };
        foreach (var (key, json) in values)
        {
            data.SetRawValue(key, Encoding.UTF8.GetBytes(json));
        }

        return data;
    }
}
