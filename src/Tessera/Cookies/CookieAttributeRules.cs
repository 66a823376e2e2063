namespace Tessera.Cookies;

/// <summary>The attribute checks of the cookie npm package (RFC 6265), used to validate options.</summary>
internal static class CookieAttributeRules
{
    /// <summary>An RFC 7230 token: the characters a cookie name may have.</summary>
    public static bool IsValidName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c <= ' ' || c >= 0x7F || "()<>@,;:\\\"/[]?={}".Contains(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Path characters allowed by cookie 0.7: 0x20–0x3A and 0x3D–0x7E, so no control characters, <c>;</c> or <c>&lt;</c>.</summary>
    public static bool IsValidPath(string path)
    {
        foreach (var c in path)
        {
            if (c < 0x20 || c > 0x7E || c is ';' or '<')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A host name: dot-separated labels of letters, digits and hyphens, an optional leading dot.</summary>
    public static bool IsValidDomain(string domain)
    {
        var labels = domain.StartsWith('.') ? domain[1..] : domain;
        if (labels.Length == 0)
        {
            return false;
        }

        foreach (var label in labels.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                {
                    return false;
                }
            }
        }

        return true;
    }
}
