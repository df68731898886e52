using static TorchSharp.torch;

namespace SparseBert.Training;

/// <summary>
/// How much each term of the distillation loss weighs. The defaults weigh the three terms equally; each is of order
/// one or below for a student that starts as a pruned copy of its teacher.
/// </summary>
public sealed record DistillationWeights(double Hidden = 1, double Attention = 1, double Embedding = 1);

/// <summary>
/// The loss by which a student learns from its dense teacher, layer by layer, with no labels. Over the real tokens of a
/// batch (the attention mask) and averaged over the L layers:
///   hidden    = (1/L) Σ_l mean over tokens and features of (h_l^s − h_l^t)²              (each layer's output)
///   attention = (1/L) Σ_l mean over heads and real queries of Σ_k (p_l^s − p_l^t)²       (each query's probability row)
///   embedding = mean over sentences of 1 − cos(ē^s, ē^t)                                 (ē: mean of the last layer over real tokens)
///   loss      = w_h · hidden + w_a · attention + w_e · embedding
/// The attention term sums over keys so that it compares distributions whatever the sequence length; padded keys have
/// probability 0 in both models.
/// </summary>
public static class Distillation
{
    public sealed record Terms(Tensor Total, Tensor Hidden, Tensor Attention, Tensor Embedding);

    public static Terms Loss(
        IReadOnlyList<(Tensor Hidden, Tensor Probabilities)> student,
        IReadOnlyList<(Tensor Hidden, Tensor Probabilities)> teacher,
        Tensor attentionMask,
        DistillationWeights weights)
    {
        if (student.Count != teacher.Count) throw new ArgumentException($"the student has {student.Count} layers and the teacher {teacher.Count}");
        var tokens = attentionMask.to(ScalarType.Float32);            // [batch, seq]
        var tokenCount = tokens.sum();
        var perToken = tokens.unsqueeze(-1);                           // [batch, seq, 1]
        var perQuery = tokens.unsqueeze(1);                            // [batch, 1, seq], broadcast over heads
        long features = student[0].Hidden.shape[2], heads = student[0].Probabilities.shape[1];

        Tensor hidden = zeros(1), attention = zeros(1);
        for (int l = 0; l < student.Count; l++)
        {
            hidden += ((student[l].Hidden - teacher[l].Hidden).square() * perToken).sum() / (tokenCount * features);
            var rowDistance = (student[l].Probabilities - teacher[l].Probabilities).square().sum(-1);   // [batch, heads, seq]
            attention += (rowDistance * perQuery).sum() / (tokenCount * heads);
        }
        hidden /= student.Count;
        attention /= student.Count;

        var embedding = (1 - nn.functional.cosine_similarity(MeanPool(student[^1].Hidden, perToken), MeanPool(teacher[^1].Hidden, perToken), dim: 1)).mean();
        var total = weights.Hidden * hidden + weights.Attention * attention + weights.Embedding * embedding;
        return new Terms(total, hidden, attention, embedding);
    }

    static Tensor MeanPool(Tensor hidden, Tensor perToken) => (hidden * perToken).sum(1) / perToken.sum(1);
}
