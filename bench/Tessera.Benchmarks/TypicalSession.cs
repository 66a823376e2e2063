using System.Text.Json;

namespace Tessera.Benchmarks;

/// <summary>
/// The typical session the benchmarks use: five values, one of them a nested object, and a
/// cookie with a one-hour lifetime.
/// </summary>
public static class TypicalSession
{
    public const string Secret = "keyboard cat";

    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(1);

    public static readonly JsonSerializerOptions JsonOptions = new TesseraOptions().JsonSerializerOptions;

    public static readonly Cart Cart = new([new CartItem("A-100", 2), new CartItem("B-200", 1)], 42.5m);

    /// <summary>A new document with the five values.</summary>
    public static SessionData Create(TimeProvider? time = null)
    {
        var data = new SessionData(new SessionCookie(time) { MaxAge = MaxAge });
        Fill(data);
        return data;
    }

    public static void Fill(SessionData data)
    {
        data.SetRawValue("views", JsonSerializer.SerializeToUtf8Bytes(3, JsonOptions));
        data.SetRawValue("userId", JsonSerializer.SerializeToUtf8Bytes("u_8f14e45fceea167a", JsonOptions));
        data.SetRawValue("name", JsonSerializer.SerializeToUtf8Bytes("Ada Lovelace", JsonOptions));
        data.SetRawValue("signedInAt", JsonSerializer.SerializeToUtf8Bytes(new DateTime(2026, 11, 29, 9, 30, 0, DateTimeKind.Utc), JsonOptions));
        data.SetRawValue("cart", JsonSerializer.SerializeToUtf8Bytes(Cart, JsonOptions));
    }
}

public sealed record CartItem(string Sku, int Quantity);

public sealed record Cart(IReadOnlyList<CartItem> Items, decimal Total);
