using InferenceScaling.Answers;

namespace InferenceScaling.Tests.Fakes;

/// <summary>Test double: the answer is what follows the last <c>Answer:</c>, trimmed; none when absent or empty.</summary>
public sealed class AnswerLineExtractor : IAnswerExtractor
{
    public static AnswerLineExtractor Instance { get; } = new();

    public ExtractedAnswer? Extract(string text)
    {
        var at = text.LastIndexOf("Answer:", StringComparison.Ordinal);
        if (at < 0) return null;
        var answer = text[(at + "Answer:".Length)..].Trim();
        return answer.Length == 0 ? null : new ExtractedAnswer(answer, AnswerSource.AnswerLine);
    }
}
