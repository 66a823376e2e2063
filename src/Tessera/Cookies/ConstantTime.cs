using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Tessera.Cookies;

/// <summary>
/// Comparisons of secrets whose duration depends on the length only, never on where the inputs
/// first differ, so that timing a guess tells nothing about how close it came.
/// </summary>
/// <remarks>
/// <see cref="System.Security.Cryptography.CryptographicOperations.FixedTimeEquals"/> gives the
/// same guarantee, but the runtime keeps it unoptimized, a byte at a time: on a returning
/// visitor's path it cost more than everything else of recognising the cookie. This compares
/// eight bytes at a time and accumulates the differences with no early exit.
/// </remarks>
internal static class ConstantTime
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool TextEquals(ReadOnlySpan<char> left, ReadOnlySpan<char> right)
    {
        if (left.Length != right.Length)
        {
            return false;
        }

        var a = MemoryMarshal.AsBytes(left);
        var b = MemoryMarshal.AsBytes(right);
        ulong difference = 0;
        var i = 0;
        for (; i + sizeof(ulong) <= a.Length; i += sizeof(ulong))
        {
            difference |= MemoryMarshal.Read<ulong>(a[i..]) ^ MemoryMarshal.Read<ulong>(b[i..]);
        }

        for (; i < a.Length; i++)
        {
            difference |= (uint)(a[i] ^ b[i]);
        }

        return difference == 0;
    }
}
