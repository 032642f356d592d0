using BenchmarkDotNet.Attributes;
using InferenceScaling.Tokenization;

namespace InferenceScaling.Benchmarks;

/// <summary>
/// Encoding one solve prompt and decoding one 128-token trace, per tokenizer: the shipped model's tokenizer.json,
/// and the Qwen2.5-style (byte-level, NFC) and Phi-3 (SentencePiece-BPE, byte fallback) fixtures.
/// </summary>
[MemoryDiagnoser]
public class TokenizerBenchmark
{
    private const string Prompt = "Q: Tom has 12 apples. He buys 7 more at the market, then gives 3 to his sister and 2 to his brother. "
        + "Then he triples what is left and sells 5 of them. How many apples does he have now?\nA: Let's think step by step.\n";

    private ModelTokenizer _tokenizer = null!;
    private int[] _trace = null!;

    /// <summary>Which tokenizer folder.</summary>
    [Params("arith-mini", "qwen2.5", "phi3")]
    public string Tokenizer { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var root = Path.GetDirectoryName(Path.GetDirectoryName(BenchmarkModel.Folder()))!;
        _tokenizer = ModelTokenizer.Load(Tokenizer == "arith-mini" ? Path.Combine(root, "models", "arith-mini") : Path.Combine(root, "tests", "fixtures", "tokenizers", Tokenizer));
        var ids = _tokenizer.Encode(Prompt + Prompt + Prompt, addSpecialTokens: false);
        _trace = ids[..Math.Min(128, ids.Length)];
    }

    [Benchmark]
    public int EncodePrompt() => _tokenizer.Encode(Prompt).Length;

    [Benchmark]
    public int DecodeTrace() => _tokenizer.Decode(_trace).Length;
}
