using System.Globalization;

namespace SparseBert.Backends.Cuda;

/// <summary>
/// Renders the generated project's text files from the embedded Scriban templates (one per kernel kind and per
/// file kind; see <see cref="EmbeddedTemplates"/>). The models passed to the templates hold only numbers, flags, C code
/// decided in C#, and names that went through <see cref="Symbols"/>.
/// </summary>
static class CudaSources
{
    static readonly EmbeddedTemplates Templates = new(typeof(CudaSources).Assembly);

    /// <summary>Relative path → text, in a fixed order; with <paramref name="recipe"/>, regen_weights.c and its make target too.</summary>
    public static IReadOnlyList<(string Path, string Text)> Render(CudaProgram program, CudaOptions options, string title, bool recipe)
    {
        bool half = options.Precision == CudaPrecision.Fp16;
        string precision = options.PrecisionName;
        string cublasName = half ? "GemmEx f16 x f16 -> f32" : "Sgemm";
        var headers = program.Headers;
        var numbers = options.Architectures.Select(CudaOptions.Number).ToList();
        string ptx = numbers.Select(n => n.TrimEnd('a')).MaxBy(n => int.Parse(n, CultureInfo.InvariantCulture))!;
        string tolerance = options.Tolerance.ToString("R", CultureInfo.InvariantCulture);
        var plain = new { precision };

        var files = new List<(string, string)>
        {
            ("Makefile", Templates.Render("Makefile", new
            {
                title, precision, archs = numbers, ptx, headers = headers.Prepend("common.cuh"), recipe,
            })),
            ("README.md", Templates.Render("README.md", new
            {
                title, precision, cublasName, tolerance, recipe,
                archList = string.Join(", ", options.Architectures),
                sequence = program.Inputs.Count > 0 ? program.Inputs[0].Length : 0,
                outputFiles = string.Join(", ", program.Outputs.Select(o => o.Name + ".npy")),
                inputs = program.Inputs.Select(i => new { i.Name, range = i.Limit == int.MaxValue ? "any non-negative int" : $"0..{i.Limit - 1}" }),
                precisionNote = half
                    ? "linear weights are converted to f16 at load and matrix products run on tensor cores (WMMA 16x16x16) where the tile is a multiple of 16, else on CUDA cores, accumulating in f32; layer norm, softmax and activations stay f32."
                    : "all arithmetic is f32 on CUDA cores: a tiled shared-memory SGEMM for dense products, and BSR kernels that walk only the stored blocks.",
                launches = program.Launches,
            })),
            ("main.cu", Templates.Render("main.cu", new { title, precision })),
            ("bench.cu", Templates.Render("bench.cu", new { title, precision, half, cublasName })),
            ("runtime.cuh", Templates.Render("runtime.cuh", plain)),
            ("report.cuh", Templates.Render("report.cuh", plain)),
            ("kernels.cuh", Templates.Render("kernels.cuh", KernelsHeader(program, title, precision, tolerance))),
            ("kernels.cu", Templates.Render("kernels.cu", new { title, precision, headers, launches = program.Launches, launchCount = program.Launches.Count })),
            ("kernels/common.cuh", Templates.Render("common.cuh", plain)),
        };
        foreach (var header in headers)
        {
            object model = header switch
            {
                Headers.Gemm => new { precision, wmma = half },
                Headers.Bsr => new { precision, simt = program.Uses("bsr_linear"), wmma = program.Uses("bsr_linear_wmma") },
                Headers.SparseRows => new { precision, csr = program.Uses("csr_linear"), nm = program.Uses("nm_linear") },
                _ => plain,
            };
            files.Add(("kernels/" + header, Templates.Render(header, model)));
        }
        if (recipe) files.Add(("regen_weights.c", Templates.Render("regen_weights.c", new { title })));
        return files;
    }

    static object KernelsHeader(CudaProgram program, string title, string precision, string tolerance)
    {
        var buffers = program.Lowered.Plan.BufferBytes;
        return new
        {
            title, precision, tolerance,
            weightBytes = program.Lowered.WeightBytes,
            bufferCount = buffers.Count,
            buffers,
            halfElements = program.HalfElements,
            halfArrayCount = program.HalfArrays.Count,
            halfArrays = program.HalfArrays,
            inputCount = program.Inputs.Count,
            inputs = program.Inputs,
            outputCount = program.Outputs.Count,
            outputs = program.Outputs.Select(o => new { o.Name, o.Buffer, o.Count, rank = o.NpyShape.Count, shape = string.Join(", ", o.NpyShape) }),
            linearShapeCount = program.LinearShapes.Count,
            linearShapes = program.LinearShapes,
            launchCount = program.Launches.Count,
        };
    }
}
