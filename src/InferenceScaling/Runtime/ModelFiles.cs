namespace InferenceScaling.Runtime;

/// <summary>
/// Finds the decoder graph in a model folder. The rule, in order:
/// <list type="number">
/// <item>A requested variant (<see cref="DecoderModelOptions.Variant"/>, <c>--variant</c>): a path relative to the
/// folder (<c>onnx/model_q4.onnx</c>), a file stem (<c>model_fp16</c>) or a stem without its <c>model_</c> prefix
/// (<c>fp16</c>, <c>q4</c>; <c>model</c> names the plain graph), looked up at the root, then in <c>onnx/</c>.</item>
/// <item><c>genai_config.json</c>'s <c>model.decoder.filename</c> (ORT GenAI folders).</item>
/// <item><c>model.onnx</c>, then <c>decoder_model_merged.onnx</c> at the root (Optimum, GenAI builder).</item>
/// <item>In <c>onnx/</c> (onnx-community / transformers.js folders): on CPU <c>model.onnx</c>,
/// <c>decoder_model_merged.onnx</c>, <c>model_fp16.onnx</c>, <c>model_quantized.onnx</c>, <c>model_int8.onnx</c>,
/// <c>model_uint8.onnx</c>, <c>model_q4.onnx</c>, <c>model_q4f16.onnx</c>, <c>model_bnb4.onnx</c>; with CUDA
/// <c>model_fp16.onnx</c> first (CUDA kernels are float16). Any other <c>.onnx</c> there comes last, by name.</item>
/// </list>
/// </summary>
internal static class ModelFiles
{
    private static readonly string[] RootNames = ["model.onnx", "decoder_model_merged.onnx"];

    private static readonly string[] CommunityOrder =
        ["model.onnx", "decoder_model_merged.onnx", "model_fp16.onnx", "model_quantized.onnx", "model_int8.onnx",
         "model_uint8.onnx", "model_q4.onnx", "model_q4f16.onnx", "model_bnb4.onnx"];

    /// <summary>The chosen graph and why it was chosen.</summary>
    /// <param name="Path">Full path of the graph.</param>
    /// <param name="RelativePath">The graph's path inside the folder, with forward slashes.</param>
    /// <param name="Reason">How it was picked, in words (printed by the CLI).</param>
    public readonly record struct Choice(string Path, string RelativePath, string Reason);

    /// <exception cref="ModelLoadException">No graph fits; the message lists what the folder holds.</exception>
    public static Choice Find(string folder, string? genaiFilename, string? variant, bool preferHalf)
    {
        var community = System.IO.Path.Combine(folder, "onnx");
        if (!string.IsNullOrWhiteSpace(variant))
        {
            foreach (var candidate in VariantCandidates(variant.Trim()))
            {
                foreach (var dir in new[] { folder, community })
                {
                    var path = System.IO.Path.Combine(dir, candidate);
                    if (File.Exists(path)) return Make(folder, path, $"variant '{variant}'");
                }
            }

            throw new ModelLoadException($"{folder}: no graph for variant '{variant}'. Variants here: {Describe(Variants(folder))}.");
        }

        if (genaiFilename is not null)
        {
            var path = System.IO.Path.Combine(folder, genaiFilename);
            if (!File.Exists(path)) throw new ModelLoadException($"{path}: model file not found (genai_config.json's decoder.filename names {genaiFilename}).");
            return Make(folder, path, "genai_config.json decoder.filename");
        }

        foreach (var name in RootNames)
        {
            var path = System.IO.Path.Combine(folder, name);
            if (File.Exists(path)) return Make(folder, path, "default rule");
        }

        if (Directory.Exists(community))
        {
            IEnumerable<string> order = CommunityOrder;
            if (preferHalf) order = order.Where(n => n == "model_fp16.onnx").Concat(order.Where(n => n != "model_fp16.onnx"));
            foreach (var name in order)
            {
                var path = System.IO.Path.Combine(community, name);
                if (File.Exists(path)) return Make(folder, path, preferHalf ? "default rule (float16 first on CUDA)" : "default rule");
            }

            var other = Directory.GetFiles(community, "*.onnx").Order(StringComparer.Ordinal).FirstOrDefault();
            if (other is not null) return Make(folder, other, "default rule (the only kind of graph in onnx/)");
        }

        var found = Directory.EnumerateFileSystemEntries(folder).Select(System.IO.Path.GetFileName)
            .Concat(Directory.Exists(community) ? Directory.EnumerateFileSystemEntries(community).Select(p => "onnx/" + System.IO.Path.GetFileName(p)) : [])
            .Order(StringComparer.Ordinal).ToList();
        throw new ModelLoadException(
            $"{folder}: model file not found: no decoder graph (looked for model.onnx, decoder_model_merged.onnx, genai_config.json's decoder.filename, onnx/model*.onnx). " +
            $"The folder holds: {(found.Count == 0 ? "nothing" : string.Join(", ", found.Take(30)) + (found.Count > 30 ? ", …" : ""))}.");
    }

    /// <summary>The graphs a folder offers, as relative paths (root first, then <c>onnx/</c>).</summary>
    public static IReadOnlyList<string> Variants(string folder)
    {
        var list = new List<string>();
        if (Directory.Exists(folder)) list.AddRange(Directory.GetFiles(folder, "*.onnx").Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal)!);
        var community = System.IO.Path.Combine(folder, "onnx");
        if (Directory.Exists(community)) list.AddRange(Directory.GetFiles(community, "*.onnx").Select(p => "onnx/" + System.IO.Path.GetFileName(p)).Order(StringComparer.Ordinal));
        return list;
    }

    private static IEnumerable<string> VariantCandidates(string variant)
    {
        if (variant.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            yield return variant;
            yield break;
        }

        yield return variant + ".onnx";
        if (!variant.StartsWith("model", StringComparison.Ordinal)) yield return "model_" + variant + ".onnx";
    }

    private static string Describe(IReadOnlyList<string> variants) => variants.Count == 0 ? "none (no .onnx files)" : string.Join(", ", variants);

    private static Choice Make(string folder, string path, string reason) =>
        new(System.IO.Path.GetFullPath(path), System.IO.Path.GetRelativePath(folder, path).Replace('\\', '/'), reason);
}
