using System.Text.Json;
using InferenceScaling.Runtime;

namespace InferenceScaling.Tests.Runtime;

/// <summary>The tiny random-weight fixture model and torch's reference outputs, loaded once per test class.</summary>
public sealed class TinyModelFixture : IDisposable
{
    public TinyModelFixture()
    {
        Model = DecoderModel.Load(RepoPaths.TinyModel, new DecoderModelOptions { IntraOpThreads = 1 });
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.TinyModel, "reference.json")));
        Cases = doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new ReferenceCase(
            c.GetProperty("prompt").GetString()!,
            c.GetProperty("prompt_ids").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
            c.GetProperty("greedy_ids").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
            c.GetProperty("last_logits").EnumerateArray().Select(x => x.GetSingle()).ToArray())).ToList();
        MaxNewTokens = doc.RootElement.GetProperty("max_new_tokens").GetInt32();
    }

    public DecoderModel Model { get; }

    public IReadOnlyList<ReferenceCase> Cases { get; }

    public int MaxNewTokens { get; }

    public void Dispose() => Model.Dispose();

    public sealed record ReferenceCase(string Prompt, int[] PromptIds, int[] GreedyIds, float[] LastLogits);
}
