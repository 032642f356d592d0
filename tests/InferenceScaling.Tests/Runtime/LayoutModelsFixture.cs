namespace InferenceScaling.Tests.Runtime;

/// <summary>
/// The tiny layout fixtures (one set of weights written as Optimum, ORT GenAI builder with GroupQueryAttention, and
/// float16 with external data) and torch's reference outputs, loaded once per test class.
/// </summary>
public sealed class LayoutModelsFixture() : ReferenceModelsFixture(Names, RepoPaths.Layout)
{
    public static readonly string[] Names = ["optimum", "genai-gqa", "fp16"];
}
