namespace InferenceScaling.Tests.Runtime;

/// <summary>
/// The tiny signature fixtures (one set of weights as GPT-2-style combined <c>past_%d</c> caches, with a
/// <c>num_logits_to_keep</c> input, and with bfloat16 KV and logits) and torch's reference outputs, loaded once.
/// </summary>
public sealed class SignatureModelsFixture() : ReferenceModelsFixture(Names, RepoPaths.Signature)
{
    public static readonly string[] Names = ["gpt2-past", "logits-keep", "bf16"];
}
