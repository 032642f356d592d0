namespace InferenceScaling.Benchmarks;

/// <summary>Which model folder the benchmarks load: INFSCALE_BENCH_MODEL, else the shipped model, else the test fixture.</summary>
internal static class BenchmarkModel
{
    public static string Folder()
    {
        var env = Environment.GetEnvironmentVariable("INFSCALE_BENCH_MODEL");
        if (!string.IsNullOrEmpty(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var shipped = Path.Combine(dir.FullName, "models", "arith-mini");
            if (File.Exists(Path.Combine(shipped, "model.onnx"))) return shipped;
            var fixture = Path.Combine(dir.FullName, "tests", "fixtures", "tiny-gqa");
            if (File.Exists(Path.Combine(fixture, "model.onnx"))) return fixture;
        }

        throw new InvalidOperationException("No model found: set INFSCALE_BENCH_MODEL.");
    }

    /// <summary>A GroupQueryAttention graph: INFSCALE_BENCH_GQA_MODEL (e.g. export.py's genai-gqa layout of the shipped model), else the tiny fixture.</summary>
    public static string GqaFolder()
    {
        var env = Environment.GetEnvironmentVariable("INFSCALE_BENCH_GQA_MODEL");
        if (!string.IsNullOrEmpty(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var fixture = Path.Combine(dir.FullName, "tests", "fixtures", "layouts", "genai-gqa");
            if (File.Exists(Path.Combine(fixture, "model.onnx"))) return fixture;
        }

        throw new InvalidOperationException("No GroupQueryAttention model found: set INFSCALE_BENCH_GQA_MODEL.");
    }
}
