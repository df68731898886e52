using System.Globalization;
using SparseBert.Frontend;
using SparseBert.IR;

namespace SparseBert.Simulator.Explore;

/// <summary>
/// The input sequences fidelity is measured on: seeded synthetic sentences, or id sequences from a file (one a line,
/// ids separated by commas or spaces; '#' starts a comment). Shorter lines are padded to the sweep's length with id 0
/// and masked out; a longer line, an id outside the vocabulary or an empty file is an error naming the file and line.
/// </summary>
public sealed record CalibrationSet(string Description, IReadOnlyList<BertInputs> Inputs)
{
    public static CalibrationSet Synthetic(BertConfig config, int length, int count) =>
        new($"{count} synthetic sequences", Enumerable.Range(0, count).Select(i => BertInputs.Synthetic(config, length, seed: 1000 + i)).ToList());

    public static CalibrationSet FromFile(string path, BertConfig config, int length)
    {
        InputFile.Require(path, "a file of id sequences");
        var inputs = new List<BertInputs>();
        int lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var line = raw.Split('#')[0].Trim();
            if (line.Length == 0) continue;
            var ids = new List<int>();
            foreach (var part in line.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id >= config.VocabSize)
                    throw new BadInputException(path, null, $"line {lineNumber}: '{BadInputException.Printable(part, 20)}' is not a token id in 0..{config.VocabSize - 1}");
                ids.Add(id);
            }
            if (ids.Count > length)
                throw new BadInputException(path, null, $"line {lineNumber}: {ids.Count} ids, longer than the sweep's sequence length {length} (--seq)");
            int real = ids.Count;
            ids.AddRange(Enumerable.Repeat(0, length - real));
            inputs.Add(BertInputs.Create(config, [.. ids], attentionMask: [.. Enumerable.Range(0, length).Select(i => i < real ? 1 : 0)]));
        }
        if (inputs.Count == 0) throw new BadInputException(path, null, "holds no id sequence");
        return new($"{inputs.Count} sequences from {Path.GetFileName(path)}", inputs);
    }
}
