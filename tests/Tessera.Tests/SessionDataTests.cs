namespace Tessera.Tests;

/// <summary>What <see cref="SessionData"/>'s settable metadata keeps, and what it leaves alone.</summary>
public sealed class SessionDataTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Clearing_Created_or_UserAgent_on_an_express_document_leaves_it_as_express_session_wrote_it()
    {
        const string json = """{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"},"views":3}""";
        var data = SessionData.Parse(json);

        data.Created = null;
        data.UserAgent = null;

        Assert.Equal(json, data.ToJson());
    }

    [Fact]
    public void Created_is_kept_to_the_millisecond_as_it_is_stored()
    {
        var data = new SessionData { Created = Now.AddTicks(12_345_678) };

        Assert.Equal(Now.AddMilliseconds(1234), data.Created);
        Assert.Equal(data.Created, SessionData.Parse(data.ToUtf8Json()).Created);
    }

    [Fact]
    public void UserAgent_keeps_at_most_its_first_512_characters()
    {
        var data = new SessionData { UserAgent = new string('a', 511) + "bc" };

        Assert.Equal(new string('a', 511) + "b", data.UserAgent);
        Assert.Equal(SessionData.MaxUserAgentLength, data.UserAgent!.Length);
        Assert.Equal(data.UserAgent, SessionData.Parse(data.ToUtf8Json()).UserAgent);
    }
}
