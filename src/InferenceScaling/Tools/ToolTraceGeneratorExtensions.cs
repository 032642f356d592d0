using InferenceScaling.Sampling;

namespace InferenceScaling.Tools;

/// <summary>Adds tools to a trace generator.</summary>
public static class ToolTraceGeneratorExtensions
{
    /// <summary>
    /// <paramref name="generator"/> with <paramref name="tools"/> inside its decode loop (a <see cref="ToolTraceGenerator"/>);
    /// with null tools, the generator itself.
    /// </summary>
    public static ITraceGenerator UseTools(this ITraceGenerator generator, ToolSet? tools)
    {
        ArgumentNullException.ThrowIfNull(generator);
        return tools is null ? generator : new ToolTraceGenerator(generator, tools);
    }
}
