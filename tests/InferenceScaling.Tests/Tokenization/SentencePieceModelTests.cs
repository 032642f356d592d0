using InferenceScaling.Tokenization;

namespace InferenceScaling.Tests.Tokenization;

/// <summary>tokenizer.model (SentencePiece through Microsoft.ML.Tokenizers) with the config's added tokens.</summary>
public sealed class SentencePieceModelTests
{
    private static ModelTokenizer Load() => TokenizerFixtures.Load("sentencepiece");

    [Fact]
    public void AddedTokensFromTheConfig_AreSpecialTokens_EncodedAsOneId()
    {
        var tokenizer = Load();

        Assert.Equal(278, tokenizer.SpecialTokens["<|im_start|>"]);
        var ids = tokenizer.Encode("<|im_start|>hello world<|im_end|>");
        Assert.Equal(1, ids[0]);
        Assert.Equal(278, ids[1]);
        Assert.Equal(279, ids[^1]);
        Assert.Equal(1, ids.Count(id => id == 278));
    }

    [Fact]
    public void BosComesFromEncode_NotFromInner_AndDecodeDropsSpecialTokens()
    {
        var tokenizer = Load();
        var ids = tokenizer.Encode("hello world");

        Assert.Equal(1, tokenizer.BeginningOfSequenceId);
        Assert.Equal(1, ids[0]);
        Assert.DoesNotContain(1, tokenizer.Inner.EncodeToIds("hello world"));
        Assert.Equal(ids[1..], tokenizer.Encode("hello world", addSpecialTokens: false));
        Assert.Equal("hello world", tokenizer.Decode(ids));
    }
}
