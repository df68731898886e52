namespace SparseBert.Tests.Frontend.Onnx;

/// <summary>
/// One way an exporter may write a BERT graph; <see cref="SyntheticOnnxBert"/> emits a model in it. The named forms
/// mirror what torch.onnx.export (constant folding on or off, opsets 11–18) and Optimum produce; QuickGelu
/// (x·σ(1.702x)), ScoresDivisor (a scale other than √d) and DiamondActivation (v = v + v, n times: 2ⁿ paths
/// through n nodes) make graphs that are not BERT, for refusal tests. HalfWeights stores every weight in float16
/// (the graph's ops stay f32, so only the importer reads it, not ONNX Runtime).
/// </summary>
public sealed record OnnxExportForm(
    string Name,
    long Opset = 13,
    bool LayerNormalizationOp = false,
    bool TanhGelu = false,
    bool ConstantNodes = false,
    bool ShapeChains = false,
    bool TransposeNodesOnWeights = false,
    bool KeyTransposedTwice = false,
    bool ScaleByMul = false,
    bool ScaleOnQueryAndKey = false,
    bool PositionsByRange = false,
    bool MaskByWhere = false,
    bool PoolerByMatMul = false,
    bool FirstTokenBySlice = false,
    bool Classifier = false,
    bool WeightsAsFloatData = false,
    bool NoTokenTypeInput = false,
    bool QuickGelu = false,
    float? ScoresDivisor = null,
    int DiamondActivation = 0,
    bool HalfWeights = false)
{
    public override string ToString() => Name;

    public static readonly OnnxExportForm[] All =
    [
        // torch 1.10 opset 13, as all-MiniLM-L6-v2 was exported: folded weights, Shape chains, Constant nodes.
        new("torch-folded-opset13", ShapeChains: true, ConstantNodes: true),
        // do_constant_folding=False: weights behind Transpose nodes, keys transposed twice.
        new("torch-unfolded-opset11", Opset: 11, ShapeChains: true, ConstantNodes: true, TransposeNodesOnWeights: true, KeyTransposedTwice: true),
        // opset 17 with the LayerNormalization op and the tanh GELU (gelu_new), scale as a Mul.
        new("layernorm-op-tanh-gelu-opset17", Opset: 17, LayerNormalizationOp: true, TanhGelu: true, ScaleByMul: true),
        // Optimum-style: scaled-dot-product attention scaling q and k, Where-built mask, Range positions, opset 14.
        new("sdpa-where-mask-range-opset14", Opset: 14, ScaleOnQueryAndKey: true, MaskByWhere: true, PositionsByRange: true, ShapeChains: true),
        // opset 18: ReduceMean takes its axes as an input; pooler by MatMul + Add, first token by Slice + Squeeze.
        new("opset18-matmul-pooler-slice", Opset: 18, PoolerByMatMul: true, FirstTokenBySlice: true, ConstantNodes: true),
        // BertForSequenceClassification: logits only; float_data instead of raw_data; constant reshape targets.
        new("classifier-float-data", Classifier: true, WeightsAsFloatData: true),
        // exported without token_type_ids: the token type Gather reads a constant of zeros.
        new("no-token-types", NoTokenTypeInput: true, ShapeChains: true),
    ];
}
