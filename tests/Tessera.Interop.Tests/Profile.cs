namespace Tessera.Interop.Tests;

/// <summary>A typed session value: nested objects, a date, text and numbers.</summary>
public sealed record Profile(string Name, DateTimeOffset SignedUpAt, Address Address, long Visits, long MaxSafe, double Tenth, int Negative, double NegativeFraction);

/// <summary>The nested part of <see cref="Profile"/>.</summary>
public sealed record Address(string City, string Country);
