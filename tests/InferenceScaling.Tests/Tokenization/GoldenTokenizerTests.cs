using System.Text.Json;
using InferenceScaling.Tokenization;

namespace InferenceScaling.Tests.Tokenization;

/// <summary>
/// Token ids, token strings and decoded text for four tokenizer families, against golden data made offline by
/// @huggingface/tokenizers (tests/fixtures/tokenizers/make_golden.mjs).
/// </summary>
public sealed class GoldenTokenizerTests
{
    public static TheoryData<string> Families => new() { "gpt2", "phi3", "qwen2.5", "llama3" };

    [Theory]
    [MemberData(nameof(Families))]
    public void Encode_MatchesTheReferenceIds(string family)
    {
        var tokenizer = TokenizerFixtures.Load(family);
        foreach (var c in TokenizerFixtures.Golden(family))
        {
            Assert.True(ReferenceIdsWithOneBos(c, tokenizer).SequenceEqual(tokenizer.Encode(c.Text)), $"{family} {Show(c.Text)}: {string.Join(' ', tokenizer.Encode(c.Text))}");
            Assert.True(Ids(c, "ids_without_special_tokens").SequenceEqual(tokenizer.Encode(c.Text, addSpecialTokens: false)), $"{family} {Show(c.Text)} without special tokens");
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void EncodeToTokens_MatchesTheReferenceTokenStrings(string family)
    {
        var tokenizer = TokenizerFixtures.Load(family);
        foreach (var c in TokenizerFixtures.Golden(family))
        {
            var expected = c.Case.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToArray();
            Assert.Equal(expected, tokenizer.EncodeToTokens(c.Text, addSpecialTokens: false).Select(t => t.Value).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Decode_MatchesTheReferenceText_WithAndWithoutSpecialTokens(string family)
    {
        var tokenizer = TokenizerFixtures.Load(family);
        foreach (var c in TokenizerFixtures.Golden(family))
        {
            var ids = Ids(c, "ids");
            Assert.Equal(c.Case.GetProperty("decoded").GetString(), tokenizer.Decode(ids));
            Assert.Equal(c.Case.GetProperty("decoded_with_special_tokens").GetString(), tokenizer.Decode(ids, skipSpecialTokens: false));
        }
    }

    /// <summary>
    /// The reference's ids, except that a text starting with the BOS keeps one (the reference adds a second; the engine's
    /// documented rule, pinned in TokenizerJsonTests).
    /// </summary>
    private static int[] ReferenceIdsWithOneBos(TokenizerFixtures.GoldenCase c, ModelTokenizer tokenizer)
    {
        var ids = Ids(c, "ids");
        return tokenizer.BeginningOfSequenceId is { } bos && ids.Length >= 2 && ids[0] == bos && ids[1] == bos ? ids[1..] : ids;
    }

    private static int[] Ids(TokenizerFixtures.GoldenCase c, string name) => [.. c.Case.GetProperty(name).EnumerateArray().Select(x => x.GetInt32())];

    private static string Show(string text) => JsonSerializer.Serialize(text);
}
