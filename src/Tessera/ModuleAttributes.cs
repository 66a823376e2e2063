using System.Runtime.CompilerServices;

// Stack buffers (cookie values, signatures, the Set-Cookie line) are always written before they
// are read, up to the length written: zeroing them first on every request is wasted work.
[module: SkipLocalsInit]
