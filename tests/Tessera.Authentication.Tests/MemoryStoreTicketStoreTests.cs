namespace Tessera.Authentication.Tests;

/// <summary>Cookie authentication's tickets in the <see cref="MemoryStore"/>.</summary>
public sealed class MemoryStoreTicketStoreTests : UserIndexTicketStoreTests
{
    protected override void AddStore(TesseraBuilder tessera) => tessera.AddMemoryStore();
}
