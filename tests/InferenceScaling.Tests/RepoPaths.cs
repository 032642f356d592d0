namespace InferenceScaling.Tests;

/// <summary>Finds files in the repository from the test's output folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string TinyModel => Path.Combine(Root, "tests", "fixtures", "tiny-gqa");

    /// <summary>One tiny model in several exporters' layouts (<c>tests/fixtures/layouts/{optimum,genai-gqa,fp16}</c>).</summary>
    public static string Layout(string name) => Path.Combine(Root, "tests", "fixtures", "layouts", name);

    /// <summary>Graph signatures the layouts do not cover (<c>tests/fixtures/signatures/{gpt2-past,logits-keep,bf16}</c>).</summary>
    public static string Signature(string name) => Path.Combine(Root, "tests", "fixtures", "signatures", name);

    public static string ShippedModel => Path.Combine(Root, "models", "arith-mini");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "InferenceScaling.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("InferenceScaling.sln not found above " + AppContext.BaseDirectory);
    }
}
