using SparseBert.Frontend;

namespace SparseBert.Tests.Frontend.Onnx;

/// <summary>
/// Writes a BertModel as an ONNX graph in a chosen <see cref="OnnxExportForm"/>, laid out the way torch exports
/// Hugging Face's BertModel: batch-first [batch, sequence] int64 inputs, weights as numbered initializers (never
/// under their HF names, so the importer must match by structure), MatMul weights stored [in, out].
/// </summary>
sealed class SyntheticOnnxBert
{
    readonly OnnxWriter _w = new();
    readonly OnnxExportForm _form;
    readonly BertModel _model;
    int _weights;

    SyntheticOnnxBert(BertModel model, OnnxExportForm form) => (_model, _form) = (model, form);

    public static byte[] Write(BertModel model, OnnxExportForm form) => new SyntheticOnnxBert(model, form).Build();

    byte[] Build()
    {
        var c = _model.Config;
        _w.Input("input_ids", OnnxWriter.Int64, "batch", "sequence");
        _w.Input("attention_mask", OnnxWriter.Int64, "batch", "sequence");
        if (!_form.NoTokenTypeInput) _w.Input("token_type_ids", OnnxWriter.Int64, "batch", "sequence");

        var hidden = Embeddings();
        var mask = MaskBias();
        for (int i = 0; i < c.NumHiddenLayers; i++) hidden = Layer(i, hidden, mask);

        var first = _form.FirstTokenBySlice
            ? _w.Node("Squeeze", Axes(_w.Node("Slice", hidden, Ints([0]), Ints([1]), Ints([1])), [1]))
            : _w.Node("Gather", [hidden, Ints([], [0])], ("axis", 1L));
        var pooled = _w.Node("Tanh", _form.PoolerByMatMul ? Linear(first, BertWeightNames.Pooler) : Gemm(first, BertWeightNames.Pooler));
        if (_form.Classifier)
        {
            _w.Output(Gemm(pooled, BertWeightNames.Classifier));
        }
        else
        {
            _w.Output(hidden);
            _w.Output(pooled);
        }
        return _w.ToBytes(_form.Opset);
    }

    string Embeddings()
    {
        var c = _model.Config;
        var words = _w.Node("Gather", Weight(BertWeightNames.WordEmbeddings), "input_ids");
        var typeIds = _form.NoTokenTypeInput ? _w.Initializer(Name(), [1, c.MaxPositionEmbeddings], new long[c.MaxPositionEmbeddings]) : "token_type_ids";
        if (_form.NoTokenTypeInput) typeIds = _w.Node("Slice", typeIds, Ints([0]), Unsqueeze(SequenceLength(), [0]), Ints([1]), Ints([1]));
        var types = _w.Node("Gather", Weight(BertWeightNames.TokenTypeEmbeddings), typeIds);
        string positionIds;
        if (_form.PositionsByRange)
        {
            positionIds = Unsqueeze(_w.Node("Range", Ints([], [0]), SequenceLength(), Ints([], [1])), [0]);
        }
        else
        {
            var buffer = _w.Initializer("embeddings.position_ids", [1, c.MaxPositionEmbeddings], Enumerable.Range(0, c.MaxPositionEmbeddings).Select(i => (long)i).ToArray());
            positionIds = _w.Node("Slice", buffer, Ints([0]), Unsqueeze(SequenceLength(), [0]), Ints([1]), Ints([1]));
        }
        var positions = _w.Node("Gather", Weight(BertWeightNames.PositionEmbeddings), positionIds);
        return Norm(_w.Node("Add", _w.Node("Add", words, types), positions), BertWeightNames.EmbeddingsNorm);
    }

    /// <summary>(1 − mask)·−10000 as torch 1.x exports it, or the Where form of newer transformers, [batch, 1, 1, sequence].</summary>
    string MaskBias()
    {
        var expanded = Unsqueeze(Unsqueeze("attention_mask", [1]), [2]);
        var inverted = _w.Node("Sub", Scalar(1f), _w.Node("Cast", [expanded], ("to", (long)OnnxWriter.Float)));
        if (!_form.MaskByWhere) return _w.Node("Mul", inverted, Scalar(-10000f));
        var broadcast = _w.Node("Expand", inverted, Ints([1, 1, 1, 1]));
        return _w.Node("Where", _w.Node("Cast", [broadcast], ("to", (long)OnnxWriter.Bool)), Scalar(float.MinValue), broadcast);
    }

    string Layer(int layer, string h, string mask)
    {
        var c = _model.Config;
        string P(string part) => BertWeightNames.Layer(layer, part);
        string Heads(string part, long[] perm) => _w.Node("Transpose", [Split(Linear(h, P(part)))], ("perm", perm));

        var q = Heads(BertWeightNames.Query, [0, 2, 1, 3]);
        var k = _form.KeyTransposedTwice
            ? _w.Node("Transpose", [Heads(BertWeightNames.Key, [0, 2, 1, 3])], ("perm", new long[] { 0, 1, 3, 2 }))
            : Heads(BertWeightNames.Key, [0, 2, 3, 1]);
        var v = Heads(BertWeightNames.Value, [0, 2, 1, 3]);
        float d = c.HeadSize;
        string scaled;
        if (_form.ScaleOnQueryAndKey)
        {
            var root = Scalar(MathF.Pow(d, -0.25f));
            scaled = _w.Node("MatMul", _w.Node("Mul", q, root), _w.Node("Mul", k, root));
        }
        else
        {
            var scores = _w.Node("MatMul", q, k);
            scaled = _form.ScaleByMul ? _w.Node("Mul", scores, Scalar(1 / MathF.Sqrt(d))) : _w.Node("Div", scores, Scalar(_form.ScoresDivisor ?? MathF.Sqrt(d)));
        }
        var probs = _w.Node("Softmax", [_w.Node("Add", scaled, mask)], ("axis", _form.Opset >= 13 ? -1L : 3L));
        var context = _w.Node("Transpose", [_w.Node("MatMul", probs, v)], ("perm", new long[] { 0, 2, 1, 3 }));
        var merged = _w.Node("Reshape", context, ShapeTarget(context, c.HiddenSize));

        var h1 = Norm(_w.Node("Add", Linear(merged, P(BertWeightNames.AttentionOutput)), h), P(BertWeightNames.AttentionNorm));
        var inner = Linear(h1, P(BertWeightNames.Intermediate));
        for (int i = 0; i < _form.DiamondActivation; i++) inner = _w.Node("Add", inner, inner);
        var activated = _form.QuickGelu ? _w.Node("Mul", inner, _w.Node("Sigmoid", _w.Node("Mul", inner, Scalar(1.702f))))
            : _form.TanhGelu ? GeluTanh(inner) : GeluErf(inner);
        return Norm(_w.Node("Add", Linear(activated, P(BertWeightNames.Output)), h1), P(BertWeightNames.OutputNorm));
    }

    string GeluErf(string x) =>
        _w.Node("Mul", _w.Node("Mul", x, _w.Node("Add", _w.Node("Erf", _w.Node("Div", x, Scalar(MathF.Sqrt(2f)))), Scalar(1f))), Scalar(0.5f));

    string GeluTanh(string x)
    {
        var cube = _w.Node("Mul", _w.Node("Pow", x, Scalar(3f)), Scalar(0.044715f));
        var inner = _w.Node("Mul", _w.Node("Add", x, cube), Scalar(MathF.Sqrt(2 / MathF.PI)));
        return _w.Node("Mul", _w.Node("Mul", x, Scalar(0.5f)), _w.Node("Add", _w.Node("Tanh", inner), Scalar(1f)));
    }

    string Split(string x) => _w.Node("Reshape", x, ShapeTarget(x, _model.Config.NumAttentionHeads, _model.Config.HeadSize));

    /// <summary>[batch, sequence, trailing…]: a constant with 0 = "copy this dimension", or computed from Shape(x).</summary>
    string ShapeTarget(string x, params long[] trailing)
    {
        if (!_form.ShapeChains) return Ints([0, 0, .. trailing]);
        var shape = _w.Node("Shape", x);
        var batch = Unsqueeze(_w.Node("Gather", [shape, Ints([], [0])], ("axis", 0L)), [0]);
        var sequence = Unsqueeze(_w.Node("Gather", [shape, Ints([], [1])], ("axis", 0L)), [0]);
        return _w.Node("Concat", [batch, sequence, .. trailing.Select(t => Ints([t]))], ("axis", 0L));
    }

    string SequenceLength() => _w.Node("Gather", [_w.Node("Shape", "input_ids"), Ints([], [1])], ("axis", 0L));

    string Norm(string x, string prefix)
    {
        var gamma = Weight(prefix + ".weight");
        var beta = Weight(prefix + ".bias");
        float eps = (float)_model.Config.LayerNormEps;
        if (_form.LayerNormalizationOp) return _w.Node("LayerNormalization", [x, gamma, beta], ("axis", -1L), ("epsilon", eps));
        var centered = _w.Node("Sub", x, ReduceMean(x));
        var variance = ReduceMean(_w.Node("Pow", centered, Scalar(2f)));
        var normalized = _w.Node("Div", centered, _w.Node("Sqrt", _w.Node("Add", variance, Scalar(eps))));
        return _w.Node("Add", _w.Node("Mul", normalized, gamma), beta);
    }

    string ReduceMean(string x) => _form.Opset >= 18
        ? _w.Node("ReduceMean", x, Ints([-1]))
        : _w.Node("ReduceMean", [x], ("axes", new long[] { -1 }));

    /// <summary>MatMul by the weight stored [in, out] (or a Transpose of [out, in]), then the bias added first, as torch writes it.</summary>
    string Linear(string x, string prefix)
    {
        string w = _form.TransposeNodesOnWeights
            ? _w.Node("Transpose", [Weight(prefix + ".weight")], ("perm", new long[] { 1, 0 }))
            : Weight(prefix + ".weight", transpose: true);
        return _w.Node("Add", Weight(prefix + ".bias"), _w.Node("MatMul", x, w));
    }

    string Gemm(string x, string prefix) =>
        _w.Node("Gemm", [x, Weight(prefix + ".weight"), Weight(prefix + ".bias")], ("alpha", 1f), ("beta", 1f), ("transB", 1L));

    string Weight(string name, bool transpose = false)
    {
        var t = _model.Weights[name];
        var dims = t.Shape.Dims.Select(d => (long)d).ToArray();
        var data = t.Floats;
        if (transpose)
        {
            int rows = (int)dims[0], cols = (int)dims[1];
            data = new float[data.Length];
            for (int r = 0; r < rows; r++)
                for (int col = 0; col < cols; col++)
                    data[col * rows + r] = t.Floats[r * cols + col];
            dims = [cols, rows];
        }
        if (!_form.HalfWeights) return _w.Initializer(Name(), dims, data, _form.WeightsAsFloatData);
        var half = Name();
        _w.Initializer(OnnxWriter.HalfTensor(half, dims, data));
        return half;
    }

    string Name() => $"{1000 + _weights++}";

    string Unsqueeze(string x, long[] axes) => _form.Opset >= 13 ? _w.Node("Unsqueeze", x, Ints(axes)) : _w.Node("Unsqueeze", [x], ("axes", axes));

    string[] Axes(string x, long[] axes) => [x, Ints(axes)];

    string Scalar(float value) => _form.ConstantNodes
        ? _w.Node("Constant", [], ("value", OnnxWriter.Tensor(Name(), [], [value])))
        : _w.Initializer(Name(), [], [value]);

    string Ints(long[] values) => Ints([values.Length], values);

    string Ints(long[] dims, long[] values) => _form.ConstantNodes
        ? _w.Node("Constant", [], ("value", OnnxWriter.Tensor(Name(), dims, values)))
        : _w.Initializer(Name(), dims, values);
}
