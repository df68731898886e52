using SparseBert.IR.Analysis;

namespace SparseBert.IR;

/// <summary>
/// The IR's invariants, numbered so a failure names the rule it broke. Passes must keep all of them;
/// tests run the verifier before and after every pass.
///   1. Types and nodes line up: one type per node.
///   2. Every input of node i is a value defined before i (so the graph is acyclic and in topological order). A
///      violation says whether the nodes are merely out of order or read each other in a cycle, and names the cycle.
///   3. Each node's type is the one its op infers from its inputs' types (shapes agree, dtypes are legal for the op).
///   4. A linear's (or quantized linear's) weight and bias are constants.
///   5. Input names are unique and non-empty; output names are unique and non-empty and refer to defined values.
///   6. Only linear weights may be stored in a non-dense format (everything else reads constants densely);
///      int8 data is exactly what a quantized linear's weight is stored as, and nothing else reads it.
/// </summary>
public static class Verifier
{
    public static void Verify(Graph graph)
    {
        var errors = Check(graph);
        if (errors.Count > 0)
            throw new IrException("graph is not well formed:\n  " + string.Join("\n  ", errors));
    }

    public static IReadOnlyList<string> Check(Graph graph)
    {
        var errors = new List<string>();
        var nodes = graph.Nodes;
        if (graph.Types.Length != nodes.Length)
        {
            errors.Add($"[1] {nodes.Length} nodes but {graph.Types.Length} types");
            return errors;
        }

        var sparseAllowed = new HashSet<int>();
        IReadOnlyDictionary<int, IReadOnlyList<int>>? cycles = null;
        for (int i = 0; i < nodes.Length; i++)
        {
            var node = nodes[i];
            string at = At(graph, i);
            var undefined = node.Inputs.Where(v => v.Index < 0 || v.Index >= i).ToList();
            if (undefined.Count > 0)
            {
                cycles ??= Dependences.Cycles(graph);
                errors.Add($"[2] {at} uses {string.Join(", ", undefined)} before it is defined, {OrderProblem(graph, i, undefined, cycles)}");
                continue;
            }

            try
            {
                var inferred = node.InferType(node.Inputs.Select(graph.TypeOf).ToArray());
                if (inferred != graph.Types[i]) errors.Add($"[3] {at} has type {graph.Types[i]} but its op infers {inferred}");
            }
            catch (IrException e)
            {
                errors.Add($"[3] {at}: {e.Message}");
            }

            if (node is Linear linear)
            {
                if (graph[linear.Weight] is not Constant) errors.Add($"[4] {at}: weight {linear.Weight} is not a constant");
                if (graph[linear.Bias] is not Constant) errors.Add($"[4] {at}: bias {linear.Bias} is not a constant");
                sparseAllowed.Add(linear.Weight.Index);
            }
            if (node is QuantizedLinear quantized)
            {
                if (graph[quantized.Weight] is not Constant { Data: var data }) errors.Add($"[4] {at}: weight {quantized.Weight} is not a constant");
                else if (data is not Int8WeightData) errors.Add($"[6] {at}: weight {quantized.Weight} is stored as {data.FormatName}, not int8");
                if (graph[quantized.Bias] is not Constant) errors.Add($"[4] {at}: bias {quantized.Bias} is not a constant");
                sparseAllowed.Add(quantized.Weight.Index);
            }
        }

        foreach (var (value, constant) in graph.Constants)
            if (constant.Data is not DenseData && !IsOnlyLinearWeight(graph, value, sparseAllowed))
                errors.Add($"[6] %{value.Index} const '{BadInputException.Printable(constant.Name)}' is stored as {constant.Data.FormatName} but is read by ops that need it dense");

        CheckNames(graph, errors);
        return errors;
    }

    static string At(Graph graph, int node) => $"%{node} {graph.Nodes[node].OpName} '{BadInputException.Printable(graph.Nodes[node].Name)}'";

    /// <summary>
    /// Why a node reads ahead: there is no order because of a cycle, the order is merely wrong (sorting would fix it),
    /// or what it reads is no node at all.
    /// </summary>
    static string OrderProblem(Graph graph, int node, List<Value> undefined, IReadOnlyDictionary<int, IReadOnlyList<int>> cycles)
    {
        if (cycles.TryGetValue(node, out var cycle)) return "on a cycle through " + string.Join(", ", cycle.Select(n => At(graph, n)));
        return undefined.Any(v => v.Index >= 0 && v.Index < graph.Nodes.Length)
            ? "but on no cycle: the nodes are out of order"
            : "which is not a node of the graph";
    }

    static bool IsOnlyLinearWeight(Graph graph, Value value, HashSet<int> linearWeights) =>
        linearWeights.Contains(value.Index) &&
        graph.Nodes.All(n => !n.Inputs.Contains(value) || n switch
        {
            Linear l => l.Weight == value && l.X != value && l.Bias != value && graph[value] is Constant { Data: not Int8WeightData },
            QuantizedLinear q => q.Weight == value && q.X != value && q.Bias != value,
            _ => false,
        });

    static void CheckNames(Graph graph, List<string> errors)
    {
        var inputNames = new HashSet<string>();
        foreach (var (value, input) in graph.Inputs)
            if (string.IsNullOrEmpty(input.Name) || !inputNames.Add(input.Name))
                errors.Add($"[5] input %{value.Index} has an empty or repeated name '{input.Name}'");

        var outputNames = new HashSet<string>();
        foreach (var output in graph.Outputs)
        {
            if (string.IsNullOrEmpty(output.Name) || !outputNames.Add(output.Name))
                errors.Add($"[5] output name '{output.Name}' is empty or repeated");
            if (output.Value.Index < 0 || output.Value.Index >= graph.Nodes.Length)
                errors.Add($"[5] output '{output.Name}' refers to {output.Value}, which is not defined");
        }
    }
}
