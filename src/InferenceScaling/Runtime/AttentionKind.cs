namespace InferenceScaling.Runtime;

/// <summary>How a decoder graph's attention reads the batch, which decides how rows of different lengths are laid out.</summary>
internal enum AttentionKind
{
    /// <summary>
    /// Attention follows <c>attention_mask</c> (and <c>position_ids</c>): any masked position is ignored, so rows are
    /// left-padded to one shared length. Graphs exported by torch / Optimum.
    /// </summary>
    Standard,

    /// <summary>
    /// Attention assumes each row's tokens start at position 0 and reads its length from the mask's sum, as ONNX
    /// Runtime's <c>com.microsoft.GroupQueryAttention</c> (the ORT GenAI model builder's graphs) and
    /// <c>PagedAttention</c> / <c>SparseAttention</c> do: rows are right-padded, and past and present share one
    /// fixed-capacity buffer.
    /// </summary>
    RightAligned,
}
