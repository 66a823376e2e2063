namespace Tessera.Middleware;

/// <summary>
/// Marks a store whose calls complete before they return (in memory, no I/O): its calls need
/// no timeout timer, since there is nothing to wait for.
/// </summary>
internal interface ICompletesSynchronously
{
}
