namespace InferenceScaling.Tokenization;

/// <summary>One token of an encoded text: its id, its text as the vocabulary writes it, and the characters of the input it came from.</summary>
/// <param name="Id">The token id.</param>
/// <param name="Token">The vocabulary's text for the id (byte-level tokens as <c>Ġworld</c>, SentencePiece ones as <c>▁world</c>).</param>
/// <param name="Start">The first character of the input the token covers.</param>
/// <param name="End">One past the last character it covers; equal to <paramref name="Start"/> for tokens the post-processor added (BOS, EOS).</param>
public readonly record struct TokenSpan(int Id, string Token, int Start, int End);
