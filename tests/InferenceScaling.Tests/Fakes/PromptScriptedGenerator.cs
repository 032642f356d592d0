using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using InferenceScaling.Sampling;

namespace InferenceScaling.Tests.Fakes;

/// <summary>
/// Replays scripted answers per prompt: sampled trace i of a prompt answers <c>Samples[i]</c> (null: no answer) with
/// 10 + i tokens; a request at temperature 0 answers <c>Greedy</c> with 5 tokens. Records every request's prompt, seed
/// and temperature. Deterministic, no sleeps; thread-safe.
/// </summary>
public sealed class PromptScriptedGenerator(IReadOnlyDictionary<string, (string? Greedy, string?[] Samples)> script) : ITraceGenerator
{
    /// <summary>Every request received (prompt, sampling seed, temperature, first index, count).</summary>
    public ConcurrentQueue<(string Prompt, ulong Seed, float Temperature, int FirstIndex, int Count)> Requests { get; } = new();

    public int CountTokens(string text) => text.Length;

    public async IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Requests.Enqueue((request.Prompt, request.Sampling.Seed, request.Sampling.Temperature, request.FirstIndex, request.Count));
        if (!script.TryGetValue(request.Prompt, out var entry)) throw new InvalidOperationException($"No script for prompt '{request.Prompt}'.");
        await Task.Yield();
        for (var i = request.FirstIndex; i < request.FirstIndex + request.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var greedy = request.Sampling.Temperature == 0;
            if (!greedy && i >= entry.Samples.Length) throw new InvalidOperationException($"The script for '{request.Prompt}' has no trace {i}.");
            var answer = greedy ? entry.Greedy : entry.Samples[i];
            var tokens = greedy ? 5 : 10 + i;
            var text = answer is null ? "I am not sure" : $"Some steps. Answer: {answer}";
            if (request.Control?.IsCancelled(i) == true)
            {
                yield return TestTraces.Create(i, "", new float[tokens / 2], finish: FinishReason.Cancelled) with { PromptTokens = CountTokens(request.Prompt) };
                continue;
            }

            yield return TestTraces.Create(i, text, Enumerable.Repeat(-0.1f * (1 + i % 3), tokens).ToArray()) with { PromptTokens = CountTokens(request.Prompt) };
        }
    }
}
