using Microsoft.Extensions.Time.Testing;

namespace Tessera.Tests.Serialization;

public sealed class SessionDocumentTests
{
    [Theory]
    [InlineData("""{"cookie":{"originalMaxAge":60000,"expires":"2026-11-29T12:01:00.000Z","httpOnly":true,"path":"/"},"views":3}""")]
    [InlineData("""{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"}}""")]
    [InlineData("""{"cookie":{"originalMaxAge":60000,"partitioned":true,"priority":"low","expires":"2026-11-29T12:01:00.000Z","secure":true,"httpOnly":true,"domain":"example.com","path":"/","sameSite":"strict"}}""")]
    [InlineData("""{"a":1,"cookie":{"originalMaxAge":null,"expires":null,"secure":false,"httpOnly":true,"path":"/"},"d":"1970-01-01T00:00:00.000Z","n":{"x":[1,2.5,"é😀"],"cookie":1}}""")]
    public void Documents_written_by_express_session_round_trip_byte_for_byte(string json)
    {
        var data = SessionData.Parse(json, new FakeTimeProvider());

        Assert.Equal(json, data.ToJson());
    }
}
