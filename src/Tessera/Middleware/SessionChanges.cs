namespace Tessera.Middleware;

/// <summary>What one request did to a session's values: keys it set (with their JSON) and keys it removed.</summary>
internal sealed class SessionChanges
{
    public List<KeyValuePair<string, byte[]>> Set { get; } = [];

    public List<string> Removed { get; } = [];

    /// <summary>Applies the changes to another version of the session's values.</summary>
    public void ApplyTo(OrderedDictionary<string, byte[]> values)
    {
        foreach (var key in Removed)
        {
            values.Remove(key);
        }

        foreach (var (key, json) in Set)
        {
            values[key] = json;
        }
    }
}
