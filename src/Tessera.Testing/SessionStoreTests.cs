using System.Globalization;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Tessera.Testing;

/// <summary>
/// The base of the store kit's test classes: each test gets a new, empty store (from
/// <see cref="CreateStoreAsync"/>) whose clock is <see cref="Time"/>, a fake clock starting at
/// <see cref="Start"/>, so that expiry is tested without waiting; the store is disposed after the test.
/// </summary>
/// <typeparam name="TStore">The store under test.</typeparam>
/// <remarks>
/// Where a store's server expires sessions on its own clock (Redis, say), the fake clock cannot
/// move it: such a store overrides <see cref="AssertExpiresAfterAsync"/> to check the lifetime it
/// gave the server instead, and <see cref="ExpireAsync"/> to end a session on the server.
/// </remarks>
public abstract class SessionStoreTests<TStore> : IAsyncLifetime
    where TStore : class, ISessionStore
{
    /// <summary>Where <see cref="Time"/> starts: 2026-11-29 12:00 UTC.</summary>
    protected static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private TStore? _store;

    /// <summary>Creates the test's clock.</summary>
    protected SessionStoreTests()
    {
        Time = new FakeTimeProvider(Start);
    }

    /// <summary>The clock of the test's store.</summary>
    protected FakeTimeProvider Time { get; }

    /// <summary>The test's store, empty when the test starts.</summary>
    protected TStore Store => _store ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    /// <summary>
    /// How long the store keeps a session whose cookie has no expiry (its <c>DefaultLifetime</c>
    /// option) in the store <see cref="CreateStoreAsync"/> creates.
    /// </summary>
    /// <value>Default one day, the default of every shipped store.</value>
    protected virtual TimeSpan DefaultLifetime => TimeSpan.FromDays(1);

    /// <summary>Creates the test's store, empty.</summary>
    /// <param name="timeProvider">The clock it must use.</param>
    /// <returns>An empty store.</returns>
    protected abstract Task<TStore> CreateStoreAsync(TimeProvider timeProvider);

    /// <summary>
    /// Asserts that the session expires <paramref name="lifetime"/> after the current time of
    /// <see cref="Time"/>: 1 ms before, it is read; at that time, it is not read, and neither
    /// listed nor counted by a store that lists (the test's store holds no other session).
    /// </summary>
    /// <param name="key">The session's store key.</param>
    /// <param name="lifetime">The time it has left.</param>
    /// <returns>A task that completes when the assertion has run.</returns>
    protected virtual async Task AssertExpiresAfterAsync(string key, TimeSpan lifetime)
    {
        Time.Advance(lifetime - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(await Store.GetAsync(key));

        Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await Store.GetAsync(key));
        await AssertListedAsync();
        await AssertCountAsync(0);
    }

    /// <summary>
    /// Ends a session that has <paramref name="lifetime"/> left: moves <see cref="Time"/> on by
    /// it, so that the session has expired.
    /// </summary>
    /// <param name="key">The session's store key.</param>
    /// <param name="lifetime">The time it has left.</param>
    /// <returns>A task that completes when the session has expired.</returns>
    protected virtual Task ExpireAsync(string key, TimeSpan lifetime)
    {
        Time.Advance(lifetime);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public virtual async Task InitializeAsync()
    {
        _store = await CreateStoreAsync(Time);
    }

    /// <inheritdoc/>
    public virtual async Task DisposeAsync()
    {
        switch (_store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    /// <summary>
    /// Asserts that <see cref="IEnumerableSessionStore.AllAsync"/> lists exactly these sessions,
    /// for a store that lists its sessions; nothing for one that does not.
    /// </summary>
    /// <param name="keys">The store keys expected.</param>
    /// <returns>A task that completes when the assertion has run.</returns>
    protected async Task AssertListedAsync(params string[] keys)
    {
        if (Store is IEnumerableSessionStore enumerable)
        {
            Assert.Equal(keys.Order(StringComparer.Ordinal), (await enumerable.AllAsync()).Keys.Order(StringComparer.Ordinal));
        }
    }

    /// <summary>
    /// Asserts that <see cref="IEnumerableSessionStore.CountAsync"/> counts <paramref name="expected"/>
    /// sessions, for a store that counts its sessions; nothing for one that does not.
    /// </summary>
    /// <param name="expected">The number expected.</param>
    /// <returns>A task that completes when the assertion has run.</returns>
    protected async Task AssertCountAsync(long expected)
    {
        if (Store is IEnumerableSessionStore enumerable)
        {
            Assert.Equal(expected, await enumerable.CountAsync());
        }
    }

    /// <summary>Creates a session on <see cref="Time"/>, with values as raw JSON.</summary>
    /// <param name="maxAge">The cookie's max age; a browser-session cookie when null.</param>
    /// <param name="values">The values: names and JSON texts.</param>
    /// <returns>The session.</returns>
    protected SessionData NewSession(TimeSpan? maxAge, params (string Key, string Json)[] values)
    {
        var data = new SessionData(new SessionCookie(Time) { MaxAge = maxAge });
        foreach (var (key, json) in values)
        {
            data.SetRawValue(key, Encoding.UTF8.GetBytes(json));
        }

        return data;
    }

    /// <summary>Creates a session of a user on <see cref="Time"/>, with one value.</summary>
    /// <param name="userId">The user, or null for an anonymous session.</param>
    /// <param name="maxAge">The cookie's max age.</param>
    /// <returns>The session.</returns>
    protected SessionData NewUserSession(string? userId, TimeSpan? maxAge)
    {
        var data = NewSession(maxAge, ("views", "1"));
        data.UserId = userId;
        return data;
    }

    /// <summary>Reads a value's raw JSON.</summary>
    /// <param name="data">The session.</param>
    /// <param name="key">The value's name.</param>
    /// <returns>The JSON text, or null when there is no such value.</returns>
    protected static string? Value(SessionData? data, string key) =>
        data is not null && data.TryGetRawValue(key, out var json) ? Encoding.UTF8.GetString(json.Span) : null;

    /// <summary>A number as JSON.</summary>
    /// <param name="i">The number.</param>
    /// <returns>Its JSON text.</returns>
    protected static string Number(int i) => i.ToString(CultureInfo.InvariantCulture);
}
