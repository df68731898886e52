namespace SparseBert.Frontend;

/// <summary>Activation of the FFN, by its Hugging Face name: gelu (exact, erf), gelu_new (tanh approximation), relu.</summary>
public enum HiddenAct { Gelu, GeluNew, Relu }

/// <summary>The fields of a Hugging Face BERT config.json that decide the graph. NumLabels is 0 when there is no classifier.</summary>
public sealed record BertConfig(
    int HiddenSize,
    int NumHiddenLayers,
    int NumAttentionHeads,
    int IntermediateSize,
    int VocabSize,
    int MaxPositionEmbeddings,
    int TypeVocabSize,
    double LayerNormEps,
    HiddenAct HiddenAct)
{
    public int HeadSize => HiddenSize / NumAttentionHeads;

    public static string ActName(HiddenAct act) => act switch
    {
        HiddenAct.Gelu => "gelu",
        HiddenAct.GeluNew => "gelu_new",
        HiddenAct.Relu => "relu",
        _ => throw new ArgumentOutOfRangeException(nameof(act)),
    };
}
