using System.Text.RegularExpressions;

namespace ViewCounter.Tests;

/// <summary>
/// A simple structural check of the sample's HTML: every element is closed in order, and a
/// paragraph holds no block content (no form, table, div, list or heading inside a p, which a
/// browser would silently split).
/// </summary>
internal static partial class HtmlStructure
{
    private static readonly HashSet<string> VoidElements = new(StringComparer.OrdinalIgnoreCase) { "meta", "input", "br", "hr", "img", "link" };

    private static readonly HashSet<string> BlockElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "form", "table", "div", "p", "ul", "ol", "h1", "h2", "h3", "nav", "section", "header", "footer",
    };

    public static void AssertWellFormed(string html)
    {
        var body = StyleOrScript().Replace(html, "");
        var open = new Stack<string>();
        foreach (Match tag in Tag().Matches(body))
        {
            var name = tag.Groups["name"].Value.ToLowerInvariant();
            if (tag.Groups["close"].Success)
            {
                Assert.True(open.Count > 0 && open.Peek() == name, $"</{name}> closes {(open.Count > 0 ? "<" + open.Peek() + ">" : "nothing")} in:\n{html}");
                open.Pop();
                continue;
            }

            if (BlockElements.Contains(name))
            {
                Assert.False(open.Contains("p"), $"<{name}> is inside a <p> in:\n{html}");
            }

            if (!VoidElements.Contains(name))
            {
                open.Push(name);
            }
        }

        Assert.True(open.Count == 0, $"Unclosed elements {string.Join(", ", open)} in:\n{html}");
    }

    [GeneratedRegex("<(?<close>/)?(?<name>[a-zA-Z][a-zA-Z0-9]*)\\b[^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex("<(style|script)\\b[^>]*>.*?</\\1>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex StyleOrScript();
}
