using System.Text.Json;
using InferenceScaling.Tokenization;

namespace InferenceScaling.Tests.Tokenization;

/// <summary>The tokenizer fixture folders (tests/fixtures/tokenizers) and their golden data.</summary>
internal static class TokenizerFixtures
{
    private static readonly Lazy<JsonElement> GoldenFile = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "golden.json"))).RootElement.GetProperty("families").Clone());

    public static string Root => Path.Combine(RepoPaths.Root, "tests", "fixtures", "tokenizers");

    public static string Folder(string family) => Path.Combine(Root, family);

    public static ModelTokenizer Load(string family) => ModelTokenizer.Load(Folder(family));

    public static IEnumerable<GoldenCase> Golden(string family) =>
        GoldenFile.Value.GetProperty(family).EnumerateArray().Select(c => new GoldenCase(c.GetProperty("text").GetString()!, c));

    public readonly record struct GoldenCase(string Text, JsonElement Case);
}
