namespace Tessera.Tests.Infrastructure;

/// <summary>
/// The bytes of a test body: byte <c>i</c> is <c>i % 251</c>, so a byte sent twice, dropped or
/// moved shows up at any offset (251 is prime, so no buffer size lines up with the pattern).
/// </summary>
internal static class BodyPattern
{
    /// <summary>The pattern repeats every this many bytes.</summary>
    public const int Period = 251;

    /// <summary>The byte at offset <paramref name="index"/> of the body.</summary>
    public static byte At(long index) => (byte)(index % Period);

    /// <summary>The body's bytes from offset <paramref name="start"/>.</summary>
    public static byte[] Bytes(long start, int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = At(start + i);
        }

        return bytes;
    }

    /// <summary>
    /// The body's bytes from offset <paramref name="start"/>, as a slice of <paramref name="source"/>,
    /// which holds <see cref="Bytes"/>(0, length + <see cref="Period"/>): one buffer serves every write.
    /// </summary>
    public static ReadOnlyMemory<byte> Slice(byte[] source, long start, int length) =>
        source.AsMemory((int)(start % Period), length);
}
