namespace Tessera.StoreConformance;

/// <summary>Which store call a <see cref="StallingStore"/> stalls.</summary>
public enum StallingCall
{
    /// <summary>None.</summary>
    None,

    /// <summary>A load that completes only when its token is cancelled (then throws <see cref="OperationCanceledException"/>).</summary>
    LoadHonouringToken,

    /// <summary>A load that never completes, whatever its token.</summary>
    LoadIgnoringToken,

    /// <summary>A write (<c>SetAsync</c> or <c>TrySetAsync</c>) that never completes, whatever its token.</summary>
    WriteIgnoringToken,
}
