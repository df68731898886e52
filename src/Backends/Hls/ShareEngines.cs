namespace SparseBert.Backends.Hls;

/// <summary>How an engine instance takes one template parameter from the values its stages ask for.</summary>
public enum ParameterMerge
{
    /// <summary>Shapes the datapath (PE × SIMD, block, rows): stages share an instance only when they agree.</summary>
    Same,

    /// <summary>An array bound (max_in, max_out, fifo): the instance is sized for the largest stage.</summary>
    Max,

    /// <summary>A set of bits (the activations its epilogue can select): the instance builds the union.</summary>
    Union,
}

/// <summary>One template parameter as a stage asks for it.</summary>
public sealed record DemandedParameter(string Name, long Value, ParameterMerge Merge);

/// <summary>
/// What one stage asks of its engine: the template's parameters in order; the kinds of memory its pointer arguments
/// reach (an on-chip buffer and an AXI port cannot be the same port of one instance); the activation it selects at run
/// time (null for engines without an epilogue); and its on-chip storage given the instance's parameter values.
/// </summary>
public sealed record EngineDemand(string Engine, IReadOnlyList<DemandedParameter> Parameters, string Memories, string? Activation,
    Func<Func<string, long>, long> LocalBytes);

/// <summary>
/// Requires: one demand per stage, in stage order. Guarantees: stages whose engines agree on every Same parameter and on
/// the memories they reach run on one instance, whose Max parameters cover each of them and whose activations are the
/// union of theirs; instances are numbered in the order of their first stage, so the same graph always gets the same
/// instances. Why share: the top function runs its stages one after another, so one engine per structure is all the
/// hardware the design can use at once; a BERT layer's engines then serve all of its layers.
/// </summary>
public static class ShareEngines
{
    /// <summary>The activations an epilogue can select, in the order of engines/gelu.h's Activation enum (the bit of each is 1 &lt;&lt; index).</summary>
    public static readonly IReadOnlyList<string> ActivationCodes = ["none", "relu", "tanh", "gelu_erf", "gelu_tanh", "gelu_lut"];

    public static long ActivationBit(string activation)
    {
        int code = ActivationCodes.ToList().IndexOf(activation);
        if (code < 0) throw new ArgumentException($"no engine implements the activation '{activation}'");
        return 1L << code;
    }

    /// <returns>the instances, and for each stage the id of its instance</returns>
    public static (IReadOnlyList<HlsInstance> Instances, IReadOnlyList<int> InstanceOf) Run(IReadOnlyList<EngineDemand> demands)
    {
        var groups = new List<List<EngineDemand>>();
        var byKey = new Dictionary<string, int>(StringComparer.Ordinal);
        var instanceOf = new int[demands.Count];
        for (int i = 0; i < demands.Count; i++)
        {
            string key = Key(demands[i]);
            if (!byKey.TryGetValue(key, out int id))
            {
                byKey[key] = id = groups.Count;
                groups.Add([]);
            }
            groups[id].Add(demands[i]);
            instanceOf[i] = id;
        }
        return (groups.Select(Merge).ToList(), instanceOf);
    }

    static string Key(EngineDemand demand) => string.Join("|",
        demand.Parameters.Select(p => p.Merge == ParameterMerge.Same ? $"{p.Name}={p.Value}" : p.Name).Prepend(demand.Memories).Prepend(demand.Engine));

    static HlsInstance Merge(List<EngineDemand> stages, int id)
    {
        var first = stages[0];
        var parameters = first.Parameters.Select((p, i) => new HlsParameter(p.Name, p.Merge switch
        {
            ParameterMerge.Same => p.Value,
            ParameterMerge.Max => stages.Max(s => s.Parameters[i].Value),
            _ => stages.Aggregate(0L, (bits, s) => bits | s.Parameters[i].Value),
        })).ToList();
        var activations = ActivationCodes.Where(a => stages.Any(s => s.Activation == a)).ToList();
        var instance = new HlsInstance(id, first.Engine, parameters, activations, LocalBytes: 0, stages.Count);
        return instance with { LocalBytes = first.LocalBytes(instance.Parameter) };
    }
}
