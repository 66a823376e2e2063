namespace Tessera.Serialization;

internal static class SessionKeys
{
    public const string Cookie = "cookie";

    public static void ThrowIfReserved(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (key == Cookie)
        {
            throw new ArgumentException("The key 'cookie' is reserved for the session cookie; use Session.Cookie.", nameof(key));
        }

        if (key == SessionMetadata.Key)
        {
            throw new ArgumentException($"The key '{SessionMetadata.Key}' is reserved for Tessera's own session metadata.", nameof(key));
        }
    }
}
