namespace Tessera;

/// <summary>
/// The names under which Tessera reports metrics and traces, for OpenTelemetry's
/// <c>AddMeter</c> and <c>AddSource</c>.
/// </summary>
/// <remarks>
/// No metric or span carries a session ID. A failed store call's span and duration
/// measurement carry <c>error.type</c>: the exception's type name, never its message.
/// </remarks>
public static class TesseraTelemetry
{
    /// <summary>
    /// The name of Tessera's meter: counters of the session lifecycle, rejected cookies and store
    /// errors, and the <c>tessera.store.duration</c> histogram (seconds) of store calls.
    /// </summary>
    public const string MeterName = "Tessera";

    /// <summary>
    /// The name of Tessera's activity source: one client span per store call
    /// (<c>tessera.store.load</c>, <c>save</c>, <c>touch</c>, <c>destroy</c>, …).
    /// </summary>
    public const string ActivitySourceName = "Tessera";
}
