using System.Reflection;
using System.Reflection.Emit;

namespace Tessera.Redis.Tests;

/// <summary>
/// Finds, in compiled code, calls to StackExchange.Redis members that do I/O synchronously: any
/// method of the command interfaces (<c>IDatabase</c>, <c>IServer</c>, …) or of the multiplexer
/// that does not return a task, a value task or an async stream, except the few that only read
/// local state. It reads the IL of every method, including the state machines of async methods
/// and lambdas.
/// </summary>
internal static class SynchronousCallScanner
{
    private static readonly HashSet<string> CheckedTypes =
    [
        "IDatabase", "IDatabaseAsync", "IRedis", "IRedisAsync", "IServer", "IBatch", "ITransaction",
        "ISubscriber", "IConnectionMultiplexer", "ConnectionMultiplexer",
    ];

    // Members of those types that do no I/O (or, for Dispose, are the synchronous disposal path).
    private static readonly HashSet<string> LocalMembers =
    [
        "GetDatabase", "GetServers", "GetServer", "GetEndPoints", "HashSlot", "get_IsConnected", "get_IsConnecting",
        "get_IsReplica", "get_ServerType", "get_Database", "get_Multiplexer", "get_Features", "get_EndPoint", "Dispose",
    ];

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value);

    public static IReadOnlyList<string> Scan(Assembly assembly) => Scan(assembly.GetTypes());

    public static IReadOnlyList<string> Scan(IEnumerable<Type> types) =>
        [.. RedisCalls(types)
            .Where(call => IsSynchronousRedisCall(call.Called))
            .Select(call => $"{call.Caller.DeclaringType!.FullName}.{call.Caller.Name} calls {call.Called.DeclaringType!.Name}.{call.Called.Name}")];

    /// <summary>Every call to a StackExchange.Redis member in the types' methods.</summary>
    public static IEnumerable<(MethodBase Caller, MethodBase Called)> RedisCalls(IEnumerable<Type> types)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in types)
        {
            foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
            {
                foreach (var called in CalledMethods(method))
                {
                    if (called.DeclaringType is { Namespace: "StackExchange.Redis" })
                    {
                        yield return (method, called);
                    }
                }
            }
        }
    }

    private static bool IsSynchronousRedisCall(MethodBase method)
    {
        if (method.DeclaringType is not { Namespace: "StackExchange.Redis" } type
            || !CheckedTypes.Contains(type.Name)
            || LocalMembers.Contains(method.Name))
        {
            return false;
        }

        var returns = method is MethodInfo info ? info.ReturnType : typeof(void);
        var definition = returns.IsGenericType ? returns.GetGenericTypeDefinition() : returns;
        return definition != typeof(Task) && definition != typeof(Task<>)
            && definition != typeof(ValueTask) && definition != typeof(ValueTask<>)
            && definition != typeof(IAsyncEnumerable<>);
    }

    private static IEnumerable<MethodBase> CalledMethods(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var position = 0;
        while (position < il.Length)
        {
            short value = il[position++];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[position++]);
            }

            var code = OpCodesByValue[value];
            if (code.OperandType == OperandType.InlineMethod)
            {
                var token = BitConverter.ToInt32(il, position);
                yield return method.Module.ResolveMethod(token, typeArguments, methodArguments)!;
            }

            position += OperandSize(code.OperandType, il, position);
        }
    }

    private static int OperandSize(OperandType type, byte[] il, int position) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, position)),
        _ => 4,
    };
}
