using Xunit;

namespace Tessera.Testing;

/// <summary>The data of the kit's theories.</summary>
public static class StoreTestData
{
    /// <summary>Store keys with characters a store might mishandle.</summary>
    public static TheoryData<string> UnusualKeys => new()
    {
        "é",
        "😀",
        "quote\"apostrophe'backslash\\",
        "control\u0001\u001f\t\r\n",
        "space and %41 and sess:",
        "{\"json\":true}",
        new string('x', 1000),
    };


    // Documents as express-session 1.19 writes them (cookie first for a new session; where a
    // store had it for a loaded one), expiring a minute after Start or never.
    /// <summary>Documents as express-session writes them.</summary>
    public static TheoryData<string> ExpressSessionDocuments => new()
    {
        """{"cookie":{"originalMaxAge":60000,"expires":"2026-11-29T12:01:00.000Z","httpOnly":true,"path":"/"},"views":3}""",
        """{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"}}""",
        """{"cookie":{"originalMaxAge":60000,"partitioned":true,"priority":"low","expires":"2026-11-29T12:01:00.000Z","secure":true,"httpOnly":true,"domain":"example.com","path":"/","sameSite":"strict"},"user":{"id":42,"name":"Zoë"}}""",
        """{"a":1,"cookie":{"originalMaxAge":null,"expires":null,"secure":false,"httpOnly":true,"path":"/"},"d":"1970-01-01T00:00:00.000Z","n":{"x":[1,2.5,"é😀"],"cookie":1}}""",
        """{"cookie":{"originalMaxAge":59999,"expires":"2026-11-29T12:00:59.999Z","httpOnly":true,"path":"/"},"flash":{"info":["Saved \"draft\" \u2014 ok"]},"csrfSecret":"Jx8_3-wQ"}""",
    };
}
