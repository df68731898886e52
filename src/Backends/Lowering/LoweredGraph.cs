using SparseBert.IR;
using SparseBert.Passes;

namespace SparseBert.Backends;

/// <summary>Where a step reads or writes: an activation buffer of the memory plan, a weight, or a graph input.</summary>
public abstract record Operand;

/// <summary>A buffer of the activation arena, seen with this shape (a reshape is a second view of the same buffer).</summary>
public sealed record BufferOperand(int Buffer, Shape Shape) : Operand;

public sealed record WeightOperand(BlobWeight Weight) : Operand;

public sealed record InputOperand(string Symbol, string Name, Shape Shape) : Operand;

/// <summary>One kernel launch or hardware stage: an op of the optimized graph with its operands resolved.</summary>
public sealed record Step(int Node, string Symbol, Node Op, TensorType Type, BufferOperand Output, IReadOnlyList<Operand> Inputs);

/// <summary>
/// The lowering both backends share: the optimized graph as an ordered list of steps over planned buffers, with every
/// constant placed in weights.bin and every name turned into a safe C symbol. Reshapes become views (no step);
/// constants and inputs become operands. The CUDA and HLS backends differ only in how they print these steps.
/// </summary>
public sealed class LoweredGraph
{
    public required Graph Graph { get; init; }
    public required MemoryPlan Plan { get; init; }
    public required IReadOnlyList<Step> Steps { get; init; }
    public required IReadOnlyList<BlobWeight> Weights { get; init; }
    public required IReadOnlyList<InputOperand> Inputs { get; init; }
    public required IReadOnlyList<(string Name, BufferOperand Buffer)> Outputs { get; init; }

    public long WeightBytes => WeightBlob.TotalBytes(Weights);

    public static LoweredGraph Lower(Graph graph)
    {
        var plan = PlanMemory.Plan(graph);
        var bufferOf = plan.Assignments.ToDictionary(a => a.Node, a => a.Buffer);
        var operands = new Operand?[graph.Nodes.Length];
        var stepSymbols = new Symbols("k_");
        var inputSymbols = new Symbols("in_");
        var weightSymbols = new Symbols("w_");

        var constants = graph.Constants.Select(c => (Symbol: weightSymbols.Make(c.Node.Name), c.Value, c.Node)).ToList();
        var weights = WeightBlob.Layout(constants.Select(c => (c.Symbol, c.Node)));
        for (int i = 0; i < constants.Count; i++) operands[constants[i].Value.Index] = new WeightOperand(weights[i]);

        var inputs = new List<InputOperand>();
        var steps = new List<Step>();
        for (int i = 0; i < graph.Nodes.Length; i++)
        {
            var node = graph.Nodes[i];
            var shape = graph.Types[i].Shape;
            switch (node)
            {
                case Constant:
                    break;
                case Input input:
                    var operand = new InputOperand(inputSymbols.Make(input.Name), input.Name, shape);
                    inputs.Add(operand);
                    operands[i] = operand;
                    break;
                case Reshape reshape when operands[reshape.X.Index] is BufferOperand source:
                    operands[i] = source with { Shape = shape };
                    break;
                default:
                    var output = new BufferOperand(bufferOf[i], shape);
                    operands[i] = output;
                    steps.Add(new Step(i, stepSymbols.Make(node.Name), node, graph.Types[i], output,
                        node.Inputs.Select(v => operands[v.Index] ?? throw new IrException($"{node.OpName} '{node.Name}' reads {v}, which has no operand")).ToList()));
                    break;
            }
        }
        var outputs = graph.Outputs.Select(o => (o.Name, (BufferOperand)operands[o.Value.Index]!)).ToList();
        return new LoweredGraph { Graph = graph, Plan = plan, Steps = steps, Weights = weights, Inputs = inputs, Outputs = outputs };
    }
}
