using InferenceScaling.Runtime;

namespace InferenceScaling.Tests.Runtime;

/// <summary>The tiny random-weight fixture model and torch's reference outputs, loaded once per test class.</summary>
public sealed class TinyModelFixture : IDisposable
{
    public TinyModelFixture()
    {
        Model = DecoderModel.Load(RepoPaths.TinyModel, new DecoderModelOptions { IntraOpThreads = 1 });
        (Cases, MaxNewTokens) = ReferenceModelsFixture.ReadReference(Path.Combine(RepoPaths.TinyModel, "reference.json"));
    }

    public DecoderModel Model { get; }

    public IReadOnlyList<ReferenceCase> Cases { get; }

    public int MaxNewTokens { get; }

    public void Dispose() => Model.Dispose();

    public sealed record ReferenceCase(string Prompt, int[] PromptIds, int[] GreedyIds, float[] LastLogits);
}
