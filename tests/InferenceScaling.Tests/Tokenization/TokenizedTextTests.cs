using System.Text.Json;
using InferenceScaling.Tokenization;

namespace InferenceScaling.Tests.Tokenization;

/// <summary>What <c>infscale tokenize</c> prints: ids on one line, or JSON with code-point offsets.</summary>
public sealed class TokenizedTextTests
{
    [Fact]
    public void IdsLine_IsTheIdsSpaceSeparated_WithTheBos()
    {
        var tokenizer = TokenizerFixtures.Load("llama3");
        var tokenized = new TokenizedText("Hello world", tokenizer.EncodeToTokens("Hello world"));

        Assert.Equal("128000 15496 995", tokenized.IdsLine());
    }

    [Fact]
    public void ToJson_GivesIdsTokensAndCodePointOffsets_SpecialTokensMatchedInTheText()
    {
        const string text = "👋<|im_start|>hi";
        var tokenizer = TokenizerFixtures.Load("qwen2.5");
        var json = JsonDocument.Parse(new TokenizedText(text, tokenizer.EncodeToTokens(text)).ToJson()).RootElement;
        var tokens = json.GetProperty("tokens").EnumerateArray().ToArray();

        Assert.Equal(tokens.Length, json.GetProperty("count").GetInt32());
        var imStart = tokens.Single(t => t.GetProperty("id").GetInt32() == 151644);
        // The emoji is two UTF-16 chars but one code point.
        Assert.Equal(1, imStart.GetProperty("start").GetInt32());
        Assert.Equal(13, imStart.GetProperty("end").GetInt32());
        Assert.Equal("<|im_start|>", imStart.GetProperty("token").GetString());
        Assert.Equal("<|im_start|>", imStart.GetProperty("text").GetString());
        // The emoji's byte-level tokens each cover the whole emoji; the last token ends at the last code point.
        Assert.All(tokens.TakeWhile(t => t.GetProperty("id").GetInt32() != 151644), t => Assert.Equal("👋", t.GetProperty("text").GetString()));
        Assert.Equal(15, tokens[^1].GetProperty("end").GetInt32());
        Assert.Equal(tokenizer.Encode(text), json.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()));
    }
}
