using System.Text;
using StackExchange.Redis;

namespace Tessera;

/// <summary>
/// How the store names its Redis keys. A session is <c>KeyPrefix + key</c>, as connect-redis
/// names it. The user index's sorted sets are <c>IndexPrefix + userId</c>, where the index prefix
/// is derived from the key prefix but does not start with it (<c>sess:</c> gives <c>sess-user:</c>),
/// so that a <c>SCAN</c> of <c>KeyPrefix*</c> (connect-redis's <c>length()</c>, <c>ids()</c>,
/// <c>all()</c> and <c>clear()</c>, and this store's own) sees sessions only.
/// </summary>
internal sealed class RedisKeyspace
{
    public RedisKeyspace(string keyPrefix)
    {
        KeyPrefix = keyPrefix;
        IndexPrefix = IndexPrefixFor(keyPrefix);
        SessionPattern = EscapeGlob(keyPrefix) + "*";
        IndexPattern = EscapeGlob(IndexPrefix) + "*";
    }

    /// <summary>The prefix of the sessions' keys.</summary>
    public string KeyPrefix { get; }

    /// <summary>The prefix of the user index's keys.</summary>
    public string IndexPrefix { get; }

    /// <summary>The <c>SCAN MATCH</c> pattern of the sessions' keys.</summary>
    public string SessionPattern { get; }

    /// <summary>The <c>SCAN MATCH</c> pattern of the user index's keys.</summary>
    public string IndexPattern { get; }

    /// <summary>The Redis key of a session.</summary>
    public RedisKey Session(string key) => KeyPrefix + key;

    /// <summary>The Redis key of a user's sorted set of sessions.</summary>
    public RedisKey User(string userId) => IndexPrefix + userId;

    /// <summary>The store key of a session's Redis key.</summary>
    public string StoreKeyOf(RedisKey redisKey) => ((string)redisKey!)[KeyPrefix.Length..];

    /// <summary>
    /// Whether a Redis key that the sessions' pattern matched is one of the index's (possible only
    /// for a key prefix from which no index prefix outside the pattern can be derived, such as an empty one).
    /// </summary>
    public bool IsIndexKey(RedisKey redisKey) =>
        IndexPrefix.StartsWith(KeyPrefix, StringComparison.Ordinal) && ((string?)redisKey)?.StartsWith(IndexPrefix, StringComparison.Ordinal) == true;

    /// <summary>
    /// The index prefix of a key prefix: the key prefix without its trailing colons, then
    /// <c>-user:</c> (<c>sess:</c> gives <c>sess-user:</c>, <c>app:sess:</c> gives
    /// <c>app:sess-user:</c>); for a key prefix that this would still start with (one without a
    /// trailing colon, say <c>sess</c>), <c>tessera-user:</c> followed by the key prefix.
    /// </summary>
    public static string IndexPrefixFor(string keyPrefix)
    {
        var derived = keyPrefix.TrimEnd(':') + "-user:";
        return derived.StartsWith(keyPrefix, StringComparison.Ordinal) ? "tessera-user:" + keyPrefix : derived;
    }

    /// <summary>Escapes the glob characters of <c>SCAN MATCH</c>.</summary>
    public static string EscapeGlob(string text)
    {
        var builder = new StringBuilder(text.Length + 4);
        foreach (var c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }
}
