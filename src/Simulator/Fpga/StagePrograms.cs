using SparseBert.Backends.Hls;

namespace SparseBert.Simulator.Fpga;

/// <summary>A stage as processes: process 0 is the stage function (loads, then compute), process 1 the weight fetch of a DATAFLOW engine.</summary>
/// <param name="Loops">the names of the loops the actions count iterations of, by loop index</param>
public sealed record StageProgram(IReadOnlyList<ProcessProgram> Processes, IReadOnlyList<int> FifoDepths, IReadOnlyList<string> Loops);

/// <summary>
/// Turns a stage of hls_config.json into the actions its engine performs, loop by loop as the engine templates
/// (src/Backends/Hls/Templates) are written: each pipelined loop entry costs its iterations × the expected II plus the
/// fill of its pipeline (<see cref="PipelineDepths"/>), each read of weights.bin or an input is a burst on the memory channel, and
/// a DATAFLOW engine's weight fetch is a second process joined to the compute loop by the tile FIFO of the schedule's
/// depth. The dataflow region starts after the stage's loads: the stage function hands the fetch a start token.
/// Only the schedule is read, so the simulator sees the design the emitter wrote.
/// </summary>
public static class StagePrograms
{
    const int Start = 0, Tiles = 1, WordBytes = 4;

    public static StageProgram Build(HlsStage stage)
    {
        var loops = new LoopNames();
        var main = new ProcessProgram();
        long Trips(string name) => stage.Loops.Single(l => l.Name == name).TripCount;
        bool int8 = stage.Engine.EndsWith("_int8", StringComparison.Ordinal);
        int elementBytes = int8 ? 1 : WordBytes;
        HwAction Loop(string name, long iterations, int depth) => HwAction.Work(iterations * stage.ExpectedII + depth - 1, loops[name], iterations);
        HwAction Read(string name, long elements, int width = WordBytes, long? iterations = null) => HwAction.Read(elements, width, loops[name], iterations);

        switch (stage.Engine)
        {
            case "dense_linear" or "dense_linear_int8":
            {
                long groups = Trips("out_groups"), tilesPerGroup = Trips("in_groups") / groups, rows = Trips("rows") / Trips("in_groups");
                long panelRow = Trips("fetch_panel") / groups / stage.Pe;
                LoadsOfLinear(main, stage, int8, Read, Loop);
                main.Then(HwAction.Push(Start));
                var perTile = new[] { HwAction.Pop(Tiles), Loop("rows", rows, PipelineDepths.Mac(stage.Simd, int8)) };
                main.Repeat(groups, [Loop("init", rows, PipelineDepths.Copy), .. Repeated(perTile, tilesPerGroup),
                    Loop("write", rows, PipelineDepths.Epilogue(stage.Activation, int8))]);
                var fetch = new ProcessProgram().Then(HwAction.Pop(Start));
                fetch.Repeat(groups, [.. Enumerable.Repeat(Read("fetch_panel", panelRow, elementBytes), stage.Pe),
                    HwAction.Work(PipelineDepths.Copy - 1), .. Enumerable.Repeat(HwAction.Push(Tiles), (int)tilesPerGroup)]);
                return new StageProgram([main, fetch], [1, stage.FifoDepth], loops.Names);
            }
            case "bsr_linear" or "bsr_linear_int8":
            {
                var bsr = stage.Bsr ?? throw new ArgumentException($"stage {stage.Step} runs a BSR engine without its BSR record");
                int tilesPerBlock = bsr.BlockRows / stage.Pe * (bsr.BlockCols / stage.Simd);
                long rows = bsr.InnerIterationsPerBlock / tilesPerBlock, rowGroups = rows * (bsr.BlockRows / stage.Pe);
                main.Then(Read("load_row_ptr", bsr.BlockRowCount + 1L));
                LoadsOfLinear(main, stage, int8, Read, Loop);
                main.Then(HwAction.Push(Start));
                var perTile = new[] { HwAction.Pop(Tiles), Loop("rows", rows, PipelineDepths.Mac(stage.Simd, int8)) };
                var perBlock = new[] { Read("blocks", 1) }.Concat(Repeated(perTile, tilesPerBlock)).ToArray();
                foreach (int blocks in bsr.RowBlocks)
                {
                    main.Then(Loop("init", rowGroups, PipelineDepths.Copy));
                    main.Repeat(blocks, perBlock);
                    main.Then(Loop("write", rowGroups, PipelineDepths.Epilogue(stage.Activation, int8)));
                }
                var fetch = new ProcessProgram().Then(HwAction.Pop(Start));
                fetch.Repeat(bsr.NonzeroBlocks, [Read("fetch_blocks", (long)bsr.BlockRows * bsr.BlockCols, elementBytes),
                    HwAction.Work(PipelineDepths.Copy - 1), .. Enumerable.Repeat(HwAction.Push(Tiles), tilesPerBlock)]);
                return new StageProgram([main, fetch], [1, stage.FifoDepth], loops.Names);
            }
            case "batched_matmul":
            {
                long groups = Trips("col_groups"), kTiles = Trips("k_groups") / groups, m = Trips("init") / groups;
                var perTile = new[] { Loop("load_tile", stage.Pe, PipelineDepths.Copy), Loop("rows", m, PipelineDepths.Mac(stage.Simd, int8: false)) };
                main.Repeat(groups, [Loop("init", m, PipelineDepths.Copy), .. Repeated(perTile, kTiles), Loop("write", m, PipelineDepths.Copy)]);
                break;
            }
            case "layer_norm" or "add_layer_norm" or "softmax" or "int_layer_norm" or "int_softmax":
            {
                var passes = stage.Loops.Where(l => l.Pipelined && l.Name != "load_params").ToList();
                long rows = Trips("rows"), width = stage.Tile.Cols;
                if (stage.Loops.Any(l => l.Name == "load_params")) main.Then(Read("load_params", 2 * width, iterations: width)); // gamma and beta
                main.Repeat(rows, [.. passes.Select(p => Loop(p.Name, width, PipelineDepths.RowPass(stage.Engine, p.Name)))]);
                break;
            }
            case "gather":
            {
                long tokens = Trips("tokens"), width = Trips("copy") / tokens;
                main.Repeat(tokens, Read("tokens", 1), Read("copy", width)); // the id, then its row of the table
                break;
            }
            case "slice_rows":
                main.Then(stage.WeightBytes > 0 ? Read("copy", Trips("copy")) : Loop("copy", Trips("copy"), PipelineDepths.Copy));
                break;
            case "mask_to_bias":
                main.Then(Read("elements", Trips("elements"))); // the mask comes from the input port
                break;
            case "activation" or "add" or "scale" or "transpose" or "copy" or "int_gelu":
                main.Then(Loop("elements", Trips("elements"), PipelineDepths.Elementwise(stage.Engine, stage.Activation)));
                break;
            default:
                throw new ArgumentException($"the simulator has no model of engine '{stage.Engine}' (stage {stage.Step})");
        }
        return new StageProgram([main], [1], loops.Names);
    }

    /// <summary>The final copy of an output buffer to its AXI port: one pipelined loop of writes.</summary>
    public static StageProgram OutputCopy(HlsOutput output) =>
        new([new ProcessProgram().Then(HwAction.Work(output.Elements + PipelineDepths.Copy - 1))], [1], []);

    /// <summary>A linear's loads before its dataflow region: bias (in int8 with the scales), then in int8 the quantized copy of x.</summary>
    static void LoadsOfLinear(ProcessProgram main, HlsStage stage, bool int8, Func<string, long, int, long?, HwAction> read, Func<string, long, int, HwAction> loop)
    {
        long outputs = stage.Loops.Single(l => l.Name == "load_bias").TripCount;
        main.Then(read("load_bias", (int8 ? 2 : 1) * outputs, WordBytes, outputs)); // int8 reads the scales beside the bias
        if (int8) main.Then(loop("quantize", stage.Loops.Single(l => l.Name == "quantize").TripCount, PipelineDepths.MemoryRead + PipelineDepths.Fp32Multiply + PipelineDepths.MemoryWrite));
    }

    static IEnumerable<HwAction> Repeated(HwAction[] body, long times) => Enumerable.Range(0, checked((int)times)).SelectMany(_ => body);

    /// <summary>Loop names to indices, in order of first use.</summary>
    sealed class LoopNames
    {
        readonly List<string> _names = [];
        public IReadOnlyList<string> Names => _names;

        public int this[string name]
        {
            get
            {
                int index = _names.IndexOf(name);
                if (index >= 0) return index;
                _names.Add(name);
                return _names.Count - 1;
            }
        }
    }
}
