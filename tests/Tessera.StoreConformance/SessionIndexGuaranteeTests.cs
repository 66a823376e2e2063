using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;

namespace Tessera.StoreConformance;

/// <summary>
/// "Log out everywhere else" end to end over real HTTP (Kestrel on loopback), with two instances
/// of one app sharing their sessions (one store object, or one Redis, or one SQLite file): a user
/// signed in on both instances signs out every other session from one of them, and the sessions
/// are gone on the other instance too — and a request in flight there for one of them cannot
/// write it back. Each derived class runs the tests on one store.
/// </summary>
public abstract class SessionIndexGuaranteeTests
{
    protected SessionIndexGuaranteeTests(ITestOutputHelper output)
    {
        Output = output;
    }

    protected ITestOutputHelper Output { get; }

    /// <summary>
    /// The stores of the two instances, over the same sessions (the same object, or two stores on
    /// one server or one file) and with no sessions in them; used by one test.
    /// </summary>
    protected abstract Task<(ISessionStore First, ISessionStore Second)> CreateSharedStoresAsync();

    private async Task<Instances> StartAsync(bool conditionalWrites = true)
    {
        var (firstStore, secondStore) = await CreateSharedStoresAsync();
        var instances = new Instances(firstStore, secondStore);
        instances.First = await KestrelSessionApp.StartAsync(firstStore, o => Configure(o, conditionalWrites), app => MapEndpoints(app, instances));
        instances.Second = await KestrelSessionApp.StartAsync(secondStore, o => Configure(o, conditionalWrites), app => MapEndpoints(app, instances));
        return instances;
    }

    private static void Configure(TesseraOptions options, bool conditionalWrites)
    {
        options.RecordUserAgent = true;
        options.ConditionalWrites = conditionalWrites;
    }

    private static void MapEndpoints(WebApplication app, Instances instances)
    {
        app.MapGet("/login", async (string user, Session session) =>
        {
            await session.RenewIdAsync(); // at sign-in, against session fixation
            session.UserId = user;
            return "signed in";
        });
        app.MapGet("/", (Session session) => session.UserId ?? "anonymous");
        app.MapGet("/sessions", async (Session session, SessionIndex index) =>
            string.Join(",", (await index.ListAsync(session.UserId!, session)).Select(s => (s.IsCurrent ? "*" : "") + s.UserAgent).Order(StringComparer.Ordinal)));
        app.MapGet("/logout-others", async (Session session, SessionIndex index) => (await index.DestroyOthersAsync(session)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        app.MapGet("/logout-everywhere", async (Session session, SessionIndex index) => (await index.DestroyAllAsync(session.UserId!)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        app.MapGet("/logout", (Session session) =>
        {
            session.UserId = null;
            return "signed out";
        });
        app.MapGet("/slow", async (Session session) =>
        {
            instances.Loaded.TrySetResult();
            await instances.Gate.Task;
            session.Set("late", "written by a request in flight");
            return "ok";
        });
    }

    private static async Task<string> SignInAsync(KestrelSessionApp app, string user, string browser)
    {
        var response = await app.GetAsync("/login?user=" + user, null, browser);
        Assert.Equal("signed in", await response.Content.ReadAsStringAsync());
        return KestrelSessionApp.CookieOf(response);
    }

    private static async Task<string> TextAsync(KestrelSessionApp app, string path, string cookie)
    {
        var response = await app.GetAsync(path, cookie);
        Assert.True(response.IsSuccessStatusCode, $"{path}: status {(int)response.StatusCode}");
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task Sessions_signed_in_on_either_instance_are_listed_on_both_with_the_current_one_marked()
    {
        await using var apps = await StartAsync();
        var laptop = await SignInAsync(apps.First, "alice", "Laptop/1.0");
        var phone = await SignInAsync(apps.Second, "alice", "Phone/2.0");
        await SignInAsync(apps.Second, "bob", "Tablet/3.0");

        Assert.Equal("*Laptop/1.0,Phone/2.0", await TextAsync(apps.First, "/sessions", laptop));
        Assert.Equal("*Laptop/1.0,Phone/2.0", await TextAsync(apps.Second, "/sessions", laptop));
        Assert.Equal("*Phone/2.0,Laptop/1.0", await TextAsync(apps.First, "/sessions", phone));
    }

    [Fact]
    public async Task Log_out_everywhere_else_on_one_instance_signs_the_other_sessions_out_on_both()
    {
        await using var apps = await StartAsync();
        var laptop = await SignInAsync(apps.First, "alice", "Laptop/1.0");
        var phone = await SignInAsync(apps.Second, "alice", "Phone/2.0");
        var tablet = await SignInAsync(apps.Second, "alice", "Tablet/3.0");
        var bob = await SignInAsync(apps.Second, "bob", "Desktop/4.0");
        Assert.Equal("alice", await TextAsync(apps.Second, "/", phone));

        Assert.Equal("2", await TextAsync(apps.First, "/logout-others", laptop));

        Assert.Equal("anonymous", await TextAsync(apps.Second, "/", phone));
        Assert.Equal("anonymous", await TextAsync(apps.Second, "/", tablet));
        Assert.Equal("anonymous", await TextAsync(apps.First, "/", phone));
        Assert.Null(await apps.SecondStore.GetAsync(KestrelSessionApp.SessionIdOf(phone)));
        Assert.Null(await apps.SecondStore.GetAsync(KestrelSessionApp.SessionIdOf(tablet)));
        Assert.Equal("alice", await TextAsync(apps.Second, "/", laptop));
        Assert.Equal("bob", await TextAsync(apps.Second, "/", bob));
        Assert.Equal("*Laptop/1.0", await TextAsync(apps.Second, "/sessions", laptop));
    }

    [Fact]
    public async Task Log_out_everywhere_on_one_instance_signs_every_session_of_the_user_out_on_both()
    {
        await using var apps = await StartAsync();
        var laptop = await SignInAsync(apps.First, "alice", "Laptop/1.0");
        var phone = await SignInAsync(apps.Second, "alice", "Phone/2.0");
        var bob = await SignInAsync(apps.First, "bob", "Desktop/4.0");

        Assert.Equal("2", await TextAsync(apps.Second, "/logout-everywhere", phone));

        Assert.Equal("anonymous", await TextAsync(apps.First, "/", laptop));
        Assert.Equal("anonymous", await TextAsync(apps.Second, "/", laptop));
        Assert.Equal("anonymous", await TextAsync(apps.Second, "/", phone));
        Assert.Equal("bob", await TextAsync(apps.Second, "/", bob));
    }

    [Fact]
    public async Task Signing_out_on_one_instance_takes_the_session_off_the_list_on_the_other()
    {
        await using var apps = await StartAsync();
        var laptop = await SignInAsync(apps.First, "alice", "Laptop/1.0");
        var phone = await SignInAsync(apps.Second, "alice", "Phone/2.0");

        Assert.Equal("signed out", await TextAsync(apps.Second, "/logout", phone));

        Assert.Equal("*Laptop/1.0", await TextAsync(apps.First, "/sessions", laptop));
        Assert.Equal("0", await TextAsync(apps.First, "/logout-others", laptop));
        Assert.Equal("anonymous", await TextAsync(apps.Second, "/", phone)); // signed out, but still a session
        Assert.NotNull(await apps.FirstStore.GetAsync(KestrelSessionApp.SessionIdOf(phone)));
    }

    private async Task<(bool WrittenBack, string Listed)> SignedOutSessionInFlightAsync(bool conditionalWrites)
    {
        await using var apps = await StartAsync(conditionalWrites);
        var laptop = await SignInAsync(apps.First, "alice", "Laptop/1.0");
        var phone = await SignInAsync(apps.Second, "alice", "Phone/2.0");
        var phoneId = KestrelSessionApp.SessionIdOf(phone);

        var slow = apps.Second.GetAsync("/slow", phone);          // loads the phone's session on the second instance, then waits
        await apps.Loaded.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("1", await TextAsync(apps.First, "/logout-others", laptop)); // signs it out from the first meanwhile
        Assert.Null(await apps.SecondStore.GetAsync(phoneId));
        apps.Gate.SetResult();                                       // the request in flight changes the session and commits
        Assert.True((await slow).IsSuccessStatusCode);

        var writtenBack = await apps.SecondStore.GetAsync(phoneId) is not null;
        return (writtenBack, await TextAsync(apps.First, "/sessions", laptop));
    }

    [Fact]
    public async Task A_request_in_flight_on_the_other_instance_cannot_write_back_a_session_signed_out_everywhere_else()
    {
        var (writtenBack, listed) = await SignedOutSessionInFlightAsync(conditionalWrites: true);
        var (writtenBackWithLastWriteWins, listedWithLastWriteWins) = await SignedOutSessionInFlightAsync(conditionalWrites: false);

        Output.WriteLine($"signed-out session written back by a request in flight on the other instance: conditional writes {writtenBack} (listed: {listed}), last write wins {writtenBackWithLastWriteWins} (listed: {listedWithLastWriteWins})");
        Assert.False(writtenBack);
        Assert.Equal("*Laptop/1.0", listed);

        // Without conditional writes the request in flight brings the signed-out session back, signed in.
        Assert.True(writtenBackWithLastWriteWins, "Without conditional writes the request in flight writes the session back (express-session's behaviour).");
        Assert.Equal("*Laptop/1.0,Phone/2.0", listedWithLastWriteWins);
    }

    /// <summary>The two running instances, their stores, and the gate of the slow endpoint.</summary>
    private sealed class Instances(ISessionStore firstStore, ISessionStore secondStore) : IAsyncDisposable
    {
        public KestrelSessionApp First { get; set; } = null!;

        public KestrelSessionApp Second { get; set; } = null!;

        public ISessionStore FirstStore { get; } = firstStore;

        public ISessionStore SecondStore { get; } = secondStore;

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Loaded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask DisposeAsync()
        {
            Gate.TrySetResult();
            if (Second is not null)
            {
                await Second.DisposeAsync();
            }

            if (First is not null)
            {
                await First.DisposeAsync();
            }
        }
    }
}
