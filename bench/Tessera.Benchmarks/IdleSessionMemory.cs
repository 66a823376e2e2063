using System.Globalization;

namespace Tessera.Benchmarks;

/// <summary>
/// How much managed memory the memory store holds per idle session of the typical size: stores
/// N sessions (each under a new ID, as the middleware saves them) and divides the growth of the
/// live heap by N.
/// </summary>
public static class IdleSessionMemory
{
    public static async Task<int> RunAsync(int count)
    {
        using var store = new MemoryStore();
        var documentSize = TypicalSession.Create().ToUtf8Json().Length;

        // Warm up everything that is allocated once (JSON metadata, pools) before the first reading.
        await store.SetAsync(DefaultSessionIdGenerator.Generate(), TypicalSession.Create());
        await store.ClearAsync();

        var (heapBefore, totalBefore) = Measure();
        for (var i = 0; i < count; i++)
        {
            await store.SetAsync(DefaultSessionIdGenerator.Generate(), TypicalSession.Create());
        }

        var (heapAfter, totalAfter) = Measure();
        GC.KeepAlive(store);
        var perSession = (double)(totalAfter - totalBefore) / count;
        var perSessionHeap = (double)(heapAfter - heapBefore) / count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            Idle sessions in the memory store: {count:N0} sessions, stored document {documentSize} bytes
              GC.GetTotalMemory delta per session:          {perSession:F0} bytes
              GCMemoryInfo.HeapSizeBytes delta per session: {perSessionHeap:F0} bytes
              target: at most 1024 bytes per session -> {(perSession <= 1024 ? "met" : "missed")}
            """));
        return 0;
    }

    private static (long Heap, long Total) Measure()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        var total = GC.GetTotalMemory(forceFullCollection: true);
        return (GC.GetGCMemoryInfo(GCKind.FullBlocking).HeapSizeBytes, total);
    }
}
