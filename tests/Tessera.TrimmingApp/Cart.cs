namespace Tessera.TrimmingApp;

/// <summary>What the trimmed application keeps in its session.</summary>
internal sealed record Cart(List<string> Items);
