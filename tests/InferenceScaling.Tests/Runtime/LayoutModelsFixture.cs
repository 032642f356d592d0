using System.Text.Json;
using InferenceScaling.Runtime;

namespace InferenceScaling.Tests.Runtime;

/// <summary>
/// The tiny layout fixtures (one set of weights written as Optimum, ORT GenAI builder with GroupQueryAttention, and
/// float16 with external data) and torch's reference outputs, loaded once per test class.
/// </summary>
public sealed class LayoutModelsFixture : IDisposable
{
    public static readonly string[] Names = ["optimum", "genai-gqa", "fp16"];

    public LayoutModelsFixture()
    {
        foreach (var name in Names) Models[name] = DecoderModel.Load(RepoPaths.Layout(name), new DecoderModelOptions { IntraOpThreads = 1 });
        (Cases, MaxNewTokens) = ReadReference(RepoPaths.Layout("reference.json"));
    }

    /// <summary>torch's reference cases and their new-token count from a fixture set's <c>reference.json</c>.</summary>
    /// <remarks>Without <paramref name="promptIds"/>, cases carry only prompts and greedy ids (empty prompt ids and logits).</remarks>
    internal static (IReadOnlyList<TinyModelFixture.ReferenceCase> Cases, int MaxNewTokens) ReadReference(string path, bool promptIds = true)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var cases = doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new TinyModelFixture.ReferenceCase(
            c.GetProperty("prompt").GetString()!,
            promptIds ? c.GetProperty("prompt_ids").EnumerateArray().Select(x => x.GetInt32()).ToArray() : [],
            c.GetProperty("greedy_ids").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
            promptIds ? c.GetProperty("last_logits").EnumerateArray().Select(x => x.GetSingle()).ToArray() : [])).ToList();
        return (cases, doc.RootElement.GetProperty("max_new_tokens").GetInt32());
    }

    public Dictionary<string, DecoderModel> Models { get; } = [];

    public IReadOnlyList<TinyModelFixture.ReferenceCase> Cases { get; }

    public int MaxNewTokens { get; }

    public void Dispose()
    {
        foreach (var m in Models.Values) m.Dispose();
    }
}
