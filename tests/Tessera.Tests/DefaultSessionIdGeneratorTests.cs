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
    public async Task Ids_drawn_on_many_threads_across_many_refills_never_repeat()
    {
        // 8 threads × 1,000 IDs: each thread draws its random bytes 16 times or more.
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
}
