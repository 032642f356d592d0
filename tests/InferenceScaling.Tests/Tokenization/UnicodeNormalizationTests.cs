using System.Text;
using InferenceScaling.Tokenization.HuggingFace;

namespace InferenceScaling.Tests.Tokenization;

/// <summary>The tables-driven Unicode normalization (string.Normalize is a no-op under InvariantGlobalization).</summary>
public sealed class UnicodeNormalizationTests
{
    [Theory]
    [InlineData("Cafe\u0301", NormalizationForm.FormC, "Caf\u00E9")]
    [InlineData("Caf\u00E9", NormalizationForm.FormD, "Cafe\u0301")]
    [InlineData("\uD55C", NormalizationForm.FormD, "\u1112\u1161\u11AB")]
    [InlineData("\u1112\u1161\u11AB", NormalizationForm.FormC, "\uD55C")]
    [InlineData("\uFB01 \u2460 \u00BD", NormalizationForm.FormKC, "fi 1 1\u20442")]
    [InlineData("\uFB01", NormalizationForm.FormC, "\uFB01")]
    [InlineData("a\u0307\u0323", NormalizationForm.FormD, "a\u0323\u0307")]
    [InlineData("a\u0307\u0323", NormalizationForm.FormC, "\u1EA1\u0307")]
    [InlineData("\u212B", NormalizationForm.FormC, "\u00C5")]
    [InlineData("plain ascii", NormalizationForm.FormKD, "plain ascii")]
    [InlineData("\U0001D400", NormalizationForm.FormKC, "A")]
    public void Normalize_MatchesUnicode(string input, NormalizationForm form, string expected) =>
        Assert.Equal(expected, UnicodeNormalization.Normalize(input, form));
}
