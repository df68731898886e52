using System.Text;
using SparseBert.Frontend.Formats;
using BadInputException = SparseBert.IR.BadInputException;
using InputFile = SparseBert.IR.InputFile;
using SparseBert.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SparseBert.Training;

/// <summary>
/// One file holding everything a run needs to go on: the recipe it belongs to, the step reached, the student's
/// parameters, the method's state (masks, scores, rewind point, reweighting) and the optimizer's moments. It is written
/// whole through a temporary beside it and renamed over the previous one, so an interrupt at any moment leaves the last
/// complete checkpoint. Layout: "SBCKPT1\n", recipe JSON, step, the module (TorchSharp's format), the method's tensors
/// as (name, tensor) pairs, the optimizer state.
/// </summary>
public sealed class TrainingCheckpoint(string path, string recipe, bool resume)
{
    static readonly byte[] Magic = "SBCKPT1\n"u8.ToArray();

    public string Path { get; } = path;

    /// <summary>The step the run resumed at, once <see cref="Resume"/> has loaded it; null for a new run.</summary>
    public int? ResumedAt { get; private set; }

    /// <summary>For a resumed run, loads the checkpoint into the student and the method and returns its step; 0 for a new run. The optimizer's state is left in <paramref name="optimizerState"/>.</summary>
    public int Resume(BertModule student, IPruningMethod method, out BinaryReader? optimizerState)
    {
        optimizerState = null;
        if (!resume) return 0;
        InputFile.Require(Path, "a training checkpoint (--resume)");
        var bytes = File.ReadAllBytes(Path);
        if (!bytes.AsSpan().StartsWith(Magic)) throw new BadInputException(Path, null, "is not a sparsebert training checkpoint");
        var reader = new BinaryReader(new MemoryStream(bytes, Magic.Length, bytes.Length - Magic.Length), Encoding.UTF8);
        try
        {
            var saved = reader.ReadString();
            if (saved != recipe)
                throw new BadInputException(Path, null, "was written by a run with other settings (" + Differences(saved) + "); resume with the same options, or start over without --resume");
            int step = reader.ReadInt32();
            student.load(reader);
            // Into the method's own tensors, in place: a tensor of another name, type or shape is refused, so the file
            // cannot make this process allocate more than the run it belongs to holds.
            var state = method.State();
            if (reader.ReadInt32() != state.Count) throw new BadInputException(Path, null, "holds another method's state");
            foreach (var (name, tensor) in state.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                if (reader.ReadString() != name) throw new BadInputException(Path, null, $"holds another method's state (no '{name}')");
                tensor.Load(reader);
            }
            optimizerState = reader;
            ResumedAt = step;
            return step;
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or FormatException or OverflowException or OutOfMemoryException)
        {
            throw new BadInputException(Path, null, $"is damaged or incomplete ({e.Message})");
        }
    }

    public void Save(int step, BertModule student, IPruningMethod method, OptimizerHelper optimizer) =>
        AtomicFile.Write(Path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(recipe);
            writer.Write(step);
            student.save(writer);
            var state = method.State();
            writer.Write(state.Count);
            foreach (var (name, tensor) in state.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                writer.Write(name);
                tensor.detach().Save(writer);
            }
            optimizer.save_state_dict(writer);
        });

    string Differences(string saved)
    {
        try
        {
            var before = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(saved) ?? [];
            var now = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(recipe) ?? [];
            var keys = before.Keys.Union(now.Keys).Where(k => before.GetValueOrDefault(k) != now.GetValueOrDefault(k)).Order(StringComparer.Ordinal);
            return string.Join(", ", keys.Select(k => $"{k}: {BadInputException.Printable(before.GetValueOrDefault(k) ?? "-", 40)} then, " +
                                                          $"{BadInputException.Printable(now.GetValueOrDefault(k) ?? "-", 40)} now"));
        }
        catch (System.Text.Json.JsonException)
        {
            return "its recipe does not parse";
        }
    }
}
