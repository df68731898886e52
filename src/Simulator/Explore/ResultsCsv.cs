using System.Globalization;
using CsvHelper;
using SparseBert.IR;

namespace SparseBert.Simulator.Explore;

/// <summary>
/// results.csv of `sparsebert explore`: one row per <see cref="ExplorePoint"/>, in <see cref="SweepOrder"/>. It is also
/// how an interrupted sweep resumes: what <see cref="Read"/> returns is what need not be run again. A file written
/// before the method and task columns existed (<see cref="OneShotColumns"/>) still reads, as one-shot rows without a
/// task score, since that is what every sweep then measured; the next write gives it this version's header.
/// </summary>
public static class ResultsCsv
{
    /// <summary>The header: the method, then <see cref="ExplorePoint"/>'s parameters in order, then the task's scores (empty without a task).</summary>
    public static readonly IReadOnlyList<string> Columns = ["method", .. OneShotColumns, "task_accuracy", "task_mrr"];

    /// <summary>The header of the files written before the method axis: <see cref="ExplorePoint"/>'s parameters in order.</summary>
    public static IReadOnlyList<string> OneShotColumns =>
    [
        "block", "sparsity", "device", "latency_ms", "speedup_vs_dense", "weight_bytes", "peak_memory_bytes",
        "dsp", "bram", "uram", "fits", "fidelity_cosine", "fidelity_max_rel_err", "norm_kept",
    ];

    static readonly CsvWriterOptions WriteOptions = CsvWriterOptions.Default with { NewLine = "\n", FormatProvider = CultureInfo.InvariantCulture };

    // The separator is fixed rather than guessed from the data; the reader takes CRLF too, so a file that passed through
    // a Windows editor still reads.
    static readonly CsvReaderOptions ReadOptions = CsvReaderOptions.Default with
    {
        Separator = ',', DetectSeparatorHint = false, TrackLineNumbers = true, FormatProvider = CultureInfo.InvariantCulture,
    };

    /// <summary>Writes the file whole through a temporary beside it, so that an interrupted write leaves the previous file intact.</summary>
    public static void Write(string path, IEnumerable<ExplorePoint> points, SweepOrder order)
    {
        var temporary = path + ".partial";
        File.WriteAllText(temporary, Format(points, order));
        File.Move(temporary, path, overwrite: true);
    }

    public static string Format(IEnumerable<ExplorePoint> points, SweepOrder order)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, WriteOptions, leaveOpen: true))
        {
            csv.WriteHeader(Columns.ToArray());
            foreach (var point in order.Sort(points))
            {
                foreach (var field in Fields(point)) csv.WriteField(field);
                csv.EndRecord();
            }
        }
        return text.ToString();
    }

    /// <summary>The rows of an existing results.csv; none when the file is missing.</summary>
    public static IReadOnlyList<ExplorePoint> Read(string path) => File.Exists(path) ? Parse(File.ReadAllText(path), path) : [];

    /// <summary>
    /// Parses results.csv text. A run stopped mid-write leaves an unfinished last line, dropped even when it parses (a
    /// number in it may be cut short), and possibly rows that do not parse at the end, dropped too. A row that does not
    /// parse before one that does is damage, not an interruption, and so is a header other than <see cref="Columns"/>:
    /// both are a <see cref="BadInputException"/> naming <paramref name="source"/>.
    /// </summary>
    public static IReadOnlyList<ExplorePoint> Parse(string text, string source)
    {
        var complete = text[..(text.LastIndexOf('\n') + 1)];
        if (complete.Length == 0) return [];
        try
        {
            return ParseComplete(complete, source);
        }
        catch (CsvFormatException e)
        {
            throw new BadInputException(source, null, "not a CSV file as explore writes it: " + e.Message);
        }
    }

    static IReadOnlyList<ExplorePoint> ParseComplete(string complete, string source)
    {
        using var csv = CsvReader.Create(new StringReader(complete), ReadOptions, leaveOpen: false);
        var header = csv.Headers;
        bool oneShotFile = header.SequenceEqual(OneShotColumns);
        if (!oneShotFile && !header.SequenceEqual(Columns))
            throw new BadInputException(source, null,
                $"the header '{BadInputException.Printable(string.Join(',', header), 80)}' is not the one this version writes " +
                $"({string.Join(',', Columns)}); move the file aside to start the sweep afresh");

        var rows = new List<(long Line, ExplorePoint? Point, string? Problem)>();
        while (csv.Read())
        {
            var fields = Enumerable.Range(0, csv.FieldCount).Select(csv.GetString).ToArray();
            var (point, problem) = oneShotFile ? ParseRow(["oneshot", .. fields, "", ""]) : ParseRow(fields);
            rows.Add((csv.LineNumber, point, problem));
        }
        int lastGood = rows.FindLastIndex(r => r.Point is not null);
        var damaged = rows.Take(lastGood).FirstOrDefault(r => r.Point is null);
        if (damaged.Problem is not null)
            throw new BadInputException(source, null, $"line {damaged.Line}: {damaged.Problem}, and rows after it parse, so this is not an interrupted write");
        return rows.Take(lastGood + 1).Select(r => r.Point!).ToList();
    }

    static IEnumerable<string> Fields(ExplorePoint p) =>
    [
        p.Method, p.Block, Real(p.Sparsity), p.Device, Real(p.LatencyMs), Real(p.SpeedupVsDense), Integer(p.WeightBytes), Integer(p.PeakMemoryBytes),
        Integer(p.Dsp), Integer(p.Bram), Integer(p.Uram), p.Fits ? "true" : "false", Real(p.FidelityCosine), Real(p.FidelityMaxRelErr), Real(p.NormKept),
        p.TaskAccuracy is { } accuracy ? Real(accuracy) : "", p.TaskMrr is { } mrr ? Real(mrr) : "",
    ];

    // "R" is the shortest text that parses back to the same double, so a re-read row equals the written one.
    static string Real(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    static string Integer(long value) => value.ToString(CultureInfo.InvariantCulture);

    static (ExplorePoint? Point, string? Problem) ParseRow(string[] fields)
    {
        if (fields.Length != Columns.Count) return (null, $"{fields.Length} fields where {Columns.Count} were expected");
        try
        {
            if (fields[0].Length == 0) throw Bad(fields, 0, "a method");
            return (new ExplorePoint(fields[1], RealAt(fields, 2), fields[3], RealAt(fields, 4), RealAt(fields, 5), IntegerAt(fields, 6), IntegerAt(fields, 7),
                IntegerAt(fields, 8), IntegerAt(fields, 9), IntegerAt(fields, 10), BoolAt(fields, 11), RealAt(fields, 12), RealAt(fields, 13), RealAt(fields, 14))
            {
                Method = fields[0], TaskAccuracy = OptionalRealAt(fields, 15), TaskMrr = OptionalRealAt(fields, 16),
            }, null);
        }
        catch (FormatException e)
        {
            return (null, e.Message);
        }
    }

    static double RealAt(string[] fields, int i) =>
        double.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : throw Bad(fields, i, "a number");

    /// <summary>An empty field is a sweep without a task; anything else must be a number.</summary>
    static double? OptionalRealAt(string[] fields, int i) => fields[i].Length == 0 ? null : RealAt(fields, i);

    static long IntegerAt(string[] fields, int i) =>
        long.TryParse(fields[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : throw Bad(fields, i, "an integer");

    static bool BoolAt(string[] fields, int i) => fields[i] switch
    {
        "true" => true,
        "false" => false,
        _ => throw Bad(fields, i, "true or false"),
    };

    static FormatException Bad(string[] fields, int i, string expected) =>
        new($"{Columns[i]} '{BadInputException.Printable(fields[i], 40)}' is not {expected}");
}
