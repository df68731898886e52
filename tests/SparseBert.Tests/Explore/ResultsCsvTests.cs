using SparseBert.IR;
using SparseBert.Simulator.Explore;

namespace SparseBert.Tests.Explore;

public sealed class ResultsCsvTests
{
    const string OneShotHeader = "block,sparsity,device,latency_ms,speedup_vs_dense,weight_bytes,peak_memory_bytes,dsp,bram,uram,fits,fidelity_cosine,fidelity_max_rel_err,norm_kept";

    const string Header = "method," + OneShotHeader + ",task_accuracy,task_mrr";

    [Fact]
    public void Written_rows_read_back_as_equal_records_in_sweep_order()
    {
        var points = ExploreTestPoints.Sweep();
        using var folder = new TestFolder();
        var path = folder["results.csv"];
        ResultsCsv.Write(path, points.Reverse(), ExploreTestPoints.Order);

        var read = ResultsCsv.Read(path);
        Assert.Equal(ExploreTestPoints.Order.Sort(points), read);
        Assert.Equal(points.Count, read.Count);
        Assert.False(File.Exists(path + ".partial"));
    }

    [Fact]
    public void The_text_is_pinned_invariant_and_lf_only()
    {
        var point = new ExplorePoint("16x16", 0.8, "u250", 0.1 + 0.2, 3.5, 123, 456, 7, 8, 9, false, 1.0 / 3, 1e-7, 0.9);
        var text = ResultsCsv.Format([point], ExploreTestPoints.Order);
        Assert.Equal(Header + "\noneshot,16x16,0.8,u250,0.30000000000000004,3.5,123,456,7,8,9,false,0.3333333333333333,1E-07,0.9,,\n", text);
        var scored = point with { Method = "progressive", TaskAccuracy = 0.87, TaskMrr = 0.9125 };
        Assert.Equal(Header + "\nprogressive,16x16,0.8,u250,0.30000000000000004,3.5,123,456,7,8,9,false,0.3333333333333333,1E-07,0.9,0.87,0.9125\n",
            ResultsCsv.Format([scored], ExploreTestPoints.Order));
        Assert.Equal([scored], ResultsCsv.Parse(ResultsCsv.Format([scored], ExploreTestPoints.Order), "results.csv"));
    }

    [Fact]
    public void A_file_from_before_the_method_axis_reads_as_one_shot_rows_without_a_task()
    {
        var text = OneShotHeader + "\n16x16,0.8,u250,0.3,3.5,123,456,7,8,9,false,0.5,1E-07,0.9\n";
        var row = Assert.Single(ResultsCsv.Parse(text, "results.csv"));
        Assert.Equal(new ExplorePoint("16x16", 0.8, "u250", 0.3, 3.5, 123, 456, 7, 8, 9, false, 0.5, 1e-7, 0.9), row);
        Assert.Equal(ExplorePoint.OneShot, row.Method);
        Assert.Null(row.TaskAccuracy);
        // Written again, it has this version's header.
        Assert.StartsWith(Header + "\noneshot,16x16,", ResultsCsv.Format([row], ExploreTestPoints.Order));
    }

    [Fact]
    public void Rows_sort_by_listed_block_then_sparsity_then_listed_device_with_unlisted_names_last()
    {
        ExplorePoint P(string block, double sparsity, string device) => ExploreTestPoints.Gpu(block, sparsity, 1, 0.99, device: device);
        var shuffled = new[] { P("8x8", 0.5, "h100"), P("16x16", 0.9, "h100"), P("4x4", 0.7, "zcu104"), P("16x16", 0.5, "h100"), P("16x16", 0.5, "u250"), P("4x4", 0.7, "h100") };
        var sorted = ExploreTestPoints.Order.Sort(shuffled).Select(p => $"{p.Block}/{p.Sparsity}/{p.Device}");
        Assert.Equal(["4x4/0.7/h100", "4x4/0.7/zcu104", "16x16/0.5/u250", "16x16/0.5/h100", "16x16/0.9/h100", "8x8/0.5/h100"], sorted);
    }

    [Fact]
    public void Names_with_commas_quotes_and_unicode_survive_the_round_trip()
    {
        var point = ExploreTestPoints.Gpu("16x16", 0.5, 1.25, 0.97, device: "gpu, \"big\" — ü\nsecond line");
        Assert.Equal([point], ResultsCsv.Parse(ResultsCsv.Format([point], ExploreTestPoints.Order), "results.csv"));
    }

    [Fact]
    public void A_cut_off_last_line_is_dropped_even_where_it_would_parse()
    {
        var text = ResultsCsv.Format(ExploreTestPoints.Sweep(), ExploreTestPoints.Order);
        var complete = ResultsCsv.Parse(text, "results.csv");
        int lastRowStart = text.LastIndexOf('\n', text.Length - 2) + 1;

        // Cut inside the last field: "0.70710678…" cut short still parses as a number, but must not be trusted.
        var cutInNumber = text[..(text.Length - 5)];
        Assert.Equal(complete.Take(complete.Count - 1), ResultsCsv.Parse(cutInNumber, "results.csv"));
        // Cut a few fields in, and cut right after the newline: the first loses the row, the second nothing.
        Assert.Equal(complete.Take(complete.Count - 1), ResultsCsv.Parse(text[..(lastRowStart + 12)], "results.csv"));
        Assert.Equal(complete.Take(complete.Count - 1), ResultsCsv.Parse(text[..lastRowStart], "results.csv"));
    }

    [Fact]
    public void A_run_stopped_before_any_row_resumes_from_nothing()
    {
        Assert.Empty(ResultsCsv.Parse("", "results.csv"));
        Assert.Empty(ResultsCsv.Parse("block,sparsity,dev", "results.csv"));
        Assert.Empty(ResultsCsv.Parse(Header + "\n", "results.csv"));
        using var folder = new TestFolder();
        Assert.Empty(ResultsCsv.Read(folder["missing.csv"]));
    }

    [Fact]
    public void Rows_that_do_not_parse_at_the_end_are_dropped_but_in_the_middle_are_an_error()
    {
        var text = ResultsCsv.Format(ExploreTestPoints.Sweep(), ExploreTestPoints.Order);
        var complete = ResultsCsv.Parse(text, "results.csv");

        var garbageAtEnd = text + "oneshot,16x16,0.5,h100,not-a-number,1,2,3,0,0,0,true,0.9,0.1,0.9,,\noneshot,16x16,0.7\n";
        Assert.Equal(complete, ResultsCsv.Parse(garbageAtEnd, "results.csv"));

        var lines = text.Split('\n');
        lines[3] = lines[3].Replace(",true,", ",maybe,");
        var e = Assert.Throws<BadInputException>(() => ResultsCsv.Parse(string.Join('\n', lines), "out/results.csv"));
        Assert.Equal("out/results.csv", e.File);
        Assert.Contains("line 4", e.Problem);
        Assert.Contains("fits 'maybe' is not true or false", e.Problem);
    }

    [Theory]
    [InlineData("block,sparsity,device,latency_ms\n16x16,0.5,h100,1.0\n")]
    [InlineData("sparsity,block,device,latency_ms,speedup_vs_dense,weight_bytes,peak_memory_bytes,dsp,bram,uram,fits,fidelity_cosine,fidelity_max_rel_err,norm_kept\n")]
    [InlineData("name,value\n")]
    public void A_header_other_than_this_versions_is_bad_input(string text)
    {
        var e = Assert.Throws<BadInputException>(() => ResultsCsv.Parse(text, "out/results.csv"));
        Assert.Equal("out/results.csv", e.File);
        Assert.Null(e.Tensor);
        Assert.Contains("header", e.Problem);
        Assert.Contains(Header, e.Problem);
    }

    [Fact]
    public void A_file_written_with_crlf_still_reads()
    {
        var text = ResultsCsv.Format(ExploreTestPoints.Sweep(), ExploreTestPoints.Order);
        Assert.Equal(ResultsCsv.Parse(text, "a"), ResultsCsv.Parse(text.Replace("\n", "\r\n"), "a"));
    }
}
