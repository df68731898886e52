using SparseBert.IR;

namespace SparseBert.Tests.IR;

/// <summary>Each numbered invariant is caught, and the printer's form is pinned.</summary>
public sealed class VerifierTests
{
    static Tensor Zeros(params int[] dims) => Tensor.Zeros(new Shape(dims));

    static Graph Raw(IEnumerable<Node> nodes, IEnumerable<TensorType> types, params GraphOutput[] outputs) =>
        new([.. nodes], [.. types], [.. outputs]);

    static void Broken(Graph graph, string rule)
    {
        var errors = Verifier.Check(graph);
        Assert.Contains(errors, e => e.StartsWith(rule, StringComparison.Ordinal));
        Assert.Throws<IrException>(() => Verifier.Verify(graph));
    }

    [Fact]
    public void AWellFormedGraphPasses()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", TensorType.F32(2, 4));
        b.Output("y", b.Append(new Linear("fc", x, b.Constant("w", Zeros(3, 4)), b.Constant("b", Zeros(3)))));
        Assert.Empty(Verifier.Check(b.Build()));
    }

    [Fact]
    public void Rule1TypesLineUpWithNodes() =>
        Broken(Raw([new Input("x", TensorType.F32(2))], []), "[1]");

    static string Rule2Error(Graph graph)
    {
        Broken(graph, "[2]");
        return Assert.Single(Verifier.Check(graph), e => e.StartsWith("[2]", StringComparison.Ordinal));
    }

    [Fact]
    public void Rule2InputsAreDefinedBeforeUse() =>
        Assert.Equal("[2] %0 relu 'r' uses %1 before it is defined, but on no cycle: the nodes are out of order",
            Rule2Error(Raw([new Relu("r", new Value(1)), new Input("x", TensorType.F32(2))], [TensorType.F32(2), TensorType.F32(2)])));

    [Fact]
    public void Rule2ASelfLoopIsACycle() =>
        Assert.Equal("[2] %1 relu 'r' uses %1 before it is defined, on a cycle through %1 relu 'r'",
            Rule2Error(Raw([new Input("x", TensorType.F32(2)), new Relu("r", new Value(1))], [TensorType.F32(2), TensorType.F32(2)])));

    /// <summary>Only a reads ahead, but b and c are as much to blame: the error names the whole cycle, not just a.</summary>
    [Fact]
    public void Rule2ACycleOfThreeNodesIsNamedWhole()
    {
        var f32 = TensorType.F32(2);
        var nodes = new Node[] { new Input("x", f32), new Add("a", new Value(0), new Value(3)), new Relu("b", new Value(1)), new Tanh("c", new Value(2)), new Relu("after", new Value(3)) };
        Assert.Equal("[2] %1 add 'a' uses %3 before it is defined, on a cycle through %1 add 'a', %2 relu 'b', %3 tanh 'c'",
            Rule2Error(Raw(nodes, [f32, f32, f32, f32, f32], new GraphOutput("y", new Value(4)))));
    }

    [Fact]
    public void Rule2AReadOfNoNodeIsNamedAsSuch() =>
        Assert.Equal("[2] %1 relu 'r' uses %7 before it is defined, which is not a node of the graph",
            Rule2Error(Raw([new Input("x", TensorType.F32(2)), new Relu("r", new Value(7))], [TensorType.F32(2), TensorType.F32(2)])));

    [Fact]
    public void Rule3ShapesMustAgree()
    {
        var nodes = new Node[] { new Input("a", TensorType.F32(2)), new Input("b", TensorType.F32(3)), new Add("add", new Value(0), new Value(1)) };
        Broken(Raw(nodes, [TensorType.F32(2), TensorType.F32(3), TensorType.F32(2)]), "[3]");
    }

    [Fact]
    public void Rule3DTypesMustBeLegalForTheOp()
    {
        var nodes = new Node[] { new Input("ids", TensorType.I32(4)), new Tanh("t", new Value(0)) };
        Broken(Raw(nodes, [TensorType.I32(4), TensorType.I32(4)]), "[3]");
    }

    [Fact]
    public void Rule3StoredTypeMustBeTheInferredOne()
    {
        var nodes = new Node[] { new Input("x", TensorType.F32(2, 3)), new Transpose("t", new Value(0), [1, 0]) };
        Broken(Raw(nodes, [TensorType.F32(2, 3), TensorType.F32(2, 3)]), "[3]");
    }

    [Fact]
    public void Rule4LinearWeightsAreConstants()
    {
        var nodes = new Node[]
        {
            new Input("x", TensorType.F32(1, 2)), new Input("w", TensorType.F32(2, 2)), new Constant("b", new DenseData(Zeros(2))),
            new Linear("fc", new Value(0), new Value(1), new Value(2)),
        };
        Broken(Raw(nodes, [TensorType.F32(1, 2), TensorType.F32(2, 2), TensorType.F32(2), TensorType.F32(1, 2)]), "[4]");
    }

    [Fact]
    public void Rule5NamesAreUnique()
    {
        var nodes = new Node[] { new Input("x", TensorType.F32(2)), new Input("x", TensorType.F32(2)) };
        Broken(Raw(nodes, [TensorType.F32(2), TensorType.F32(2)]), "[5]");
        Broken(Raw([nodes[0]], [TensorType.F32(2)], new GraphOutput("y", new Value(0)), new GraphOutput("y", new Value(0))), "[5]");
        Broken(Raw([nodes[0]], [TensorType.F32(2)], new GraphOutput("y", new Value(4))), "[5]");
    }

    [Fact]
    public void Rule6SparseFormatsOnlyFeedLinearWeights()
    {
        var sparse = new Constant("w", new OpaqueSparse(TensorType.F32(2, 2)));
        var nodes = new Node[] { sparse, new Relu("r", new Value(0)) };
        Broken(Raw(nodes, [TensorType.F32(2, 2), TensorType.F32(2, 2)]), "[6]");
    }

    /// <summary>A stand-in non-dense format: the verifier must not care which one it is.</summary>
    sealed class OpaqueSparse(TensorType type) : ConstantData
    {
        public override TensorType Type => type;
        public override string FormatName => "opaque";
        public override long StorageBytes => 0;
        public override Tensor ToDense() => Tensor.Zeros(type.Shape);
    }

    [Fact]
    public void PrinterShowsOneNodeALineWithTypes()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", TensorType.F32(2, 4));
        var y = b.Append(new Linear("fc \"one\"", x, b.Constant("w", Zeros(3, 4)), b.Constant("b", Zeros(3))));
        b.Output("y", b.Append(new LayerNorm("ln", y, b.Constant("g", Zeros(3)), b.Constant("be", Zeros(3)), 1e-12f)));
        Assert.Equal(
            """
            %0 = input "x" : f32[2, 4]
            %1 = const "w" format=dense : f32[3, 4]
            %2 = const "b" format=dense : f32[3]
            %3 = linear "fc \"one\"" (%0, %1, %2) : f32[2, 3]
            %4 = const "g" format=dense : f32[3]
            %5 = const "be" format=dense : f32[3]
            %6 = layer_norm "ln" (%3, %4, %5) eps=1E-12 : f32[2, 3]
            output "y" = %6

            """.ReplaceLineEndings("\n"), Printer.Print(b.Build()));
    }

    [Fact]
    public void BuilderRejectsIllTypedNodesAsTheyAreAppended()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", TensorType.F32(2, 4));
        var e = Assert.Throws<IrException>(() => b.Append(new Reshape("r", x, new Shape(3, 3))));
        Assert.Contains("cannot reshape [2, 4]", e.Message);
    }
}
