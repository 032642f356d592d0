namespace InferenceScaling.Evaluation;

/// <summary>One eval problem that shares text with the training corpus.</summary>
/// <param name="Id">The eval problem's id.</param>
/// <param name="OverlappingNGrams">How many of the question's word n-grams (by position) occur somewhere in the training texts.</param>
/// <param name="TotalNGrams">How many word n-grams the question has (0 when it is shorter than n words).</param>
/// <param name="FirstNGram">The earliest overlapping n-gram of the question, normalized (lowercase, no punctuation); null when only <paramref name="ExactDuplicate"/> matched.</param>
/// <param name="ExactDuplicate">
/// True when the whole normalized question equals a whole training field, or a line of one with a leading label such as
/// <c>Q:</c> removed.
/// </param>
public sealed record ContaminationHit(string Id, int OverlappingNGrams, int TotalNGrams, string? FirstNGram, bool ExactDuplicate)
{
    /// <summary>True when every n-gram of the question occurs in training (the question is covered end to end).</summary>
    public bool FullyCovered => TotalNGrams > 0 && OverlappingNGrams == TotalNGrams;
}
