using System.Reflection;

namespace InferenceScaling.Tests.Architecture;

/// <summary>The core assembly's public surface stays what users name (#13: at most 70 public types, the arith model's specifics outside it).</summary>
public sealed class PublicSurfaceTests
{
    private static readonly Assembly Core = typeof(Budget).Assembly;

    [Fact]
    public void Core_ExportsAtMostSeventyTypes()
    {
        var exported = Core.GetExportedTypes();
        Assert.True(exported.Length <= 70, $"{exported.Length} public types: {string.Join(", ", exported.Select(t => t.FullName).Order(StringComparer.Ordinal))}");
    }

    [Fact]
    public void Core_ExportsNoNestedTypes()
    {
        // One public type per file: a public type nested in another would not show in the file count.
        Assert.Empty(Core.GetExportedTypes().Where(t => t.IsNested).Select(t => t.FullName));
    }

    [Fact]
    public void Core_NamesNothingOfTheArithModel()
    {
        Assert.DoesNotContain(Core.GetReferencedAssemblies(), a => a.Name is "InferenceScaling.Arith" or "InferenceScaling.Evaluation");
        Assert.Empty(Core.GetExportedTypes().Where(t => t.Namespace?.StartsWith("InferenceScaling.Arith", StringComparison.Ordinal) == true).Select(t => t.FullName));
    }
}
