namespace Tessera.Tests;

public sealed class DefaultSessionIdGeneratorTests
{
    [Fact]
    public void Ids_are_32_base64url_characters()
    {
        for (var i = 0; i < 500; i++)
        {
            var id = DefaultSessionIdGenerator.Generate();
            Assert.Equal(DefaultSessionIdGenerator.Length, id.Length);
            Assert.All(id, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"'{c}' in {id}"));
        }
    }

    [Fact]
    public async Task Ids_drawn_on_many_threads_never_repeat()
    {
        // 8 threads × 1,000 IDs.
        var batches = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            Enumerable.Range(0, 1000).Select(_ => DefaultSessionIdGenerator.Generate()).ToArray())));

        var all = batches.SelectMany(batch => batch).ToList();
        Assert.Equal(all.Count, all.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Ids_use_every_character_of_the_alphabet()
    {
        // 24 random bytes per ID: 2,000 IDs cover the 64 characters with overwhelming probability,
        // where a generator handing out zeroed or repeated bytes would not.
        var seen = new HashSet<char>();
        for (var i = 0; i < 2000; i++)
        {
            seen.UnionWith(DefaultSessionIdGenerator.Generate());
        }

        Assert.Equal(64, seen.Count);
    }

    [Fact]
    public void The_generator_keeps_no_random_bytes_between_calls()
    {
        // Each ID's bytes live in a stack buffer that is erased once encoded: no static or
        // thread-static field holds bytes of IDs to come.
        var fields = typeof(DefaultSessionIdGenerator)
            .GetFields(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public)
            .Where(field => !field.IsLiteral)
            .Select(field => field.Name);

        Assert.Empty(fields);
    }
}
