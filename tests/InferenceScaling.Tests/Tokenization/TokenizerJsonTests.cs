using System.Text;
using System.Text.Json.Nodes;
using InferenceScaling.Runtime;
using InferenceScaling.Tokenization;
using InferenceScaling.Tokenization.HuggingFace;

namespace InferenceScaling.Tests.Tokenization;

/// <summary>tokenizer.json loading: refusals, added-token flags, BOS rules, decode of special tokens.</summary>
public sealed class TokenizerJsonTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "infscale-tok-" + Guid.NewGuid().ToString("N"));

    public TokenizerJsonTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("normalizer", """{"type": "BertNormalizer", "clean_text": true}""", "normalizer 'BertNormalizer'")]
    [InlineData("pre_tokenizer", """{"type": "BertPreTokenizer"}""", "pre-tokenizer 'BertPreTokenizer'")]
    [InlineData("post_processor", """{"type": "MadeUpProcessing"}""", "post-processor 'MadeUpProcessing'")]
    [InlineData("decoder", """{"type": "WordPiece", "prefix": "##"}""", "decoder 'WordPiece'")]
    [InlineData("decoder", """{"type": "Sequence", "decoders": [{"type": "ByteLevel"}, {"type": "CTC"}]}""", "decoder 'CTC'")]
    [InlineData("model", """{"type": "Unigram", "vocab": []}""", "model 'Unigram'")]
    public void Load_RefusesAComponentItDoesNotImplement_NamingIt(string section, string component, string named)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(TokenizerFixtures.Folder("gpt2"), "tokenizer.json")))!;
        json[section] = JsonNode.Parse(component);
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), json.ToJsonString());

        var ex = Assert.Throws<ModelLoadException>(() => ModelTokenizer.Load(_dir));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
        Assert.Contains("tokenizer.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RefusesAMergeWhoseTokensAreNotInTheVocabulary()
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(TokenizerFixtures.Folder("gpt2"), "tokenizer.json")))!;
        json["model"]!["merges"]!.AsArray().Add(new JsonArray("zzqq", "xxyy"));
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), json.ToJsonString());

        var ex = Assert.Throws<ModelLoadException>(() => ModelTokenizer.Load(_dir));
        Assert.Contains("'zzqq'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void QwenStyle_ImStartIsOneId_AndDecodeDropsItUnlessAsked()
    {
        var tokenizer = TokenizerFixtures.Load("qwen2.5");
        var ids = tokenizer.Encode("<|im_start|>system\nHi<|im_end|>\n");

        Assert.Equal(151644, ids[0]);
        Assert.Equal(151644, tokenizer.SpecialTokens["<|im_start|>"]);
        Assert.Contains(151645, ids);
        Assert.Null(tokenizer.BeginningOfSequenceId);
        Assert.Equal("system\nHi\n", tokenizer.Decode(ids));
        Assert.Equal("<|im_start|>system\nHi<|im_end|>\n", tokenizer.Decode(ids, skipSpecialTokens: false));
    }

    [Fact]
    public void Llama3Style_TemplateProcessingPutsBeginOfTextFirst_OnlyWithSpecialTokens()
    {
        var tokenizer = TokenizerFixtures.Load("llama3");

        Assert.Equal(128000, tokenizer.BeginningOfSequenceId);
        Assert.Equal(128000, tokenizer.Encode("Hello")[0]);
        Assert.DoesNotContain(128000, tokenizer.Encode("Hello", addSpecialTokens: false));
        Assert.DoesNotContain(128000, tokenizer.Inner.EncodeToIds("Hello"));
        // A prompt that already starts with it does not get a second one.
        Assert.Single(tokenizer.Encode("<|begin_of_text|>Hello"), id => id == 128000);
    }

    [Fact]
    public void AddedTokenFlags_LStripAndRStripAbsorbWhitespace_SingleWordNeedsAWordBoundary()
    {
        var tokenizer = WithAddedTokens("""
            {"id": 300, "content": "<L>", "lstrip": true, "special": true, "normalized": false},
            {"id": 301, "content": "<R>", "rstrip": true, "special": true, "normalized": false},
            {"id": 302, "content": "ab", "single_word": true, "special": false, "normalized": false}
            """);
        int[] Plain(string text) => tokenizer.Encode(text, addSpecialTokens: false);

        Assert.Equal([.. Plain("x"), 300, .. Plain(" y")], Plain("x   <L> y"));
        Assert.Equal([.. Plain("x"), 301, .. Plain("y")], Plain("x<R>   y"));
        Assert.Contains(302, tokenizer.Encode("x ab y", addSpecialTokens: false));
        Assert.DoesNotContain(302, tokenizer.Encode("xab y", addSpecialTokens: false));
    }

    [Fact]
    public void EncodeToTokens_OffsetsPointIntoTheInput_ForByteLevelAndSentencePiece()
    {
        const string text = "Hi 日本 ok";
        foreach (var family in new[] { "qwen2.5", "phi3" })
        {
            var tokens = TokenizerFixtures.Load(family).EncodeToTokens(text, addSpecialTokens: false);
            Assert.Equal(0, tokens[0].Offset.Start.Value);
            Assert.Equal(text.Length, tokens[^1].Offset.End.Value);
            for (var i = 1; i < tokens.Count; i++) Assert.True(tokens[i].Offset.Start.Value >= tokens[i - 1].Offset.Start.Value, $"{family}: offsets go back at {i}");
            Assert.Contains(tokens, t => text[t.Offset].Contains('日', StringComparison.Ordinal));
        }
    }

    [Fact]
    public void ByteFallbackDecode_InvalidUtf8BecomesReplacementCharsPerByte()
    {
        var tokenizer = TokenizerFixtures.Load("phi3");
        var ids = tokenizer.Inner.EncodeToIds("☃");
        // "▁" then "☃" as three byte tokens; the first two bytes alone spell no character.
        Assert.Equal(4, ids.Count);
        Assert.Equal("\uFFFD\uFFFD", tokenizer.Decode([ids[1], ids[2]]));
        Assert.Equal("☃", tokenizer.Decode(ids));
    }

    private ModelTokenizer WithAddedTokens(string added)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(TokenizerFixtures.Folder("gpt2"), "tokenizer.json")))!;
        json["added_tokens"] = JsonNode.Parse("[" + added + "]");
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), json.ToJsonString(), Encoding.UTF8);
        return ModelTokenizer.Load(_dir);
    }
}
