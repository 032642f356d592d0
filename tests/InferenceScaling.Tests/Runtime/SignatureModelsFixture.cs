using InferenceScaling.Runtime;

namespace InferenceScaling.Tests.Runtime;

/// <summary>
/// The tiny signature fixtures (one set of weights as GPT-2-style combined <c>past_%d</c> caches, with a
/// <c>num_logits_to_keep</c> input, and with bfloat16 KV and logits) and torch's reference outputs, loaded once.
/// </summary>
public sealed class SignatureModelsFixture : IDisposable
{
    public static readonly string[] Names = ["gpt2-past", "logits-keep", "bf16"];

    public SignatureModelsFixture()
    {
        foreach (var name in Names) Models[name] = DecoderModel.Load(RepoPaths.Signature(name), new DecoderModelOptions { IntraOpThreads = 1 });
        (Cases, MaxNewTokens) = LayoutModelsFixture.ReadReference(RepoPaths.Signature("reference.json"));
    }

    public Dictionary<string, DecoderModel> Models { get; } = [];

    public IReadOnlyList<TinyModelFixture.ReferenceCase> Cases { get; }

    public int MaxNewTokens { get; }

    public void Dispose()
    {
        foreach (var m in Models.Values) m.Dispose();
    }
}
