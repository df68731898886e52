using Scriban.Syntax;
using SparseBert.Backends;
using SparseBert.Backends.Hls;

namespace SparseBert.Tests.Backends;

/// <summary>
/// The Scriban setup both backends render with, on a real template (the HLS weights_layout.h): C# members under their
/// snake_case names, and a name the model lacks is an error at render time, never an empty string in generated code.
/// </summary>
public sealed class EmbeddedTemplatesTests
{
    static readonly EmbeddedTemplates Hls = new(typeof(HlsEmitter).Assembly);

    static object Weight(string symbol) => new
    {
        Symbol = symbol, Comment = "encoder.layer.0.query.weight", Format = "dense", Shape = "2, 3", Dims = new[] { 2, 3 },
        Block = (object?)null, Arrays = new[] { new BlobArray("values", "float", 64, 6) },
    };

    [Fact]
    public void Csharp_members_render_under_their_snake_case_names()
    {
        var text = Hls.Render("weights_layout.h", new { TotalBytes = 128L, Weights = new[] { Weight("w_query") } });

        Assert.Contains("constexpr long total_bytes = 128;\n", text);
        Assert.Contains("namespace w_query {\nconstexpr int dim0 = 2;\nconstexpr int dim1 = 3;\nconstexpr long values_offset = 64; // float\n" +
                        "constexpr long values_count = 6;\n} // namespace w_query\n", text);
    }

    [Fact]
    public void A_variable_the_model_lacks_fails_rendering()
    {
        var error = Assert.Throws<ScriptRuntimeException>(() => Hls.Render("weights_layout.h", new { TotalByte = 128L, Weights = new[] { Weight("w_query") } }));
        Assert.Contains("total_bytes", error.Message);
    }

    [Fact]
    public void A_member_the_model_lacks_fails_rendering()
    {
        var typo = new { Symbl = "w_query", Comment = "c", Format = "dense", Shape = "2", Dims = new[] { 2 }, Block = (object?)null, Arrays = Array.Empty<BlobArray>() };

        var error = Assert.Throws<ScriptRuntimeException>(() => Hls.Render("weights_layout.h", new { TotalBytes = 0L, Weights = new[] { typo } }));
        Assert.Contains("symbol", error.Message);
    }

    [Fact]
    public void A_file_without_a_template_is_an_argument_error() =>
        Assert.Throws<ArgumentException>(() => Hls.Render("weights_layout.hpp", new { }));
}
