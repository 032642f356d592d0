using InferenceScaling.Sampling;

namespace InferenceScaling.Tests.Fakes;

/// <summary>
/// An <see cref="ITokenInjector"/> that fires once, after the trace's <see cref="After"/>-th token, returning
/// <see cref="Tokens"/>; records every call it saw. <see cref="After"/> = int.MaxValue never fires.
/// </summary>
public sealed class ScriptedInjector(int after, params int[] tokens) : ITokenInjector
{
    public int After { get; } = after;

    public int[] Tokens { get; } = tokens;

    /// <summary>Every (token, injected) the decoder reported, in order.</summary>
    public List<(int Token, bool Injected)> Seen { get; } = [];

    public ReadOnlySpan<int> OnToken(int tokenId, bool injected)
    {
        Seen.Add((tokenId, injected));
        return Seen.Count == After ? Tokens : ReadOnlySpan<int>.Empty;
    }

    public IReadOnlyList<ToolCall> ToolCalls => Seen.Count >= After ? [new ToolCall("scripted", "x", "y", After, Tokens.Length, false)] : [];
}
