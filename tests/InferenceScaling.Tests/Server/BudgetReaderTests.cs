using System.Text.Json;
using InferenceScaling.Server;

namespace InferenceScaling.Tests.Server;

/// <summary>The service's budget field: its object form reads checks as a count or as the checking profile's.</summary>
public sealed class BudgetReaderTests
{
    private static Budget Read(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return BudgetReader.Read(doc.RootElement.Clone(), new ServerOptions());
    }

    [Theory]
    [InlineData("""{"samples":32,"checks":8}""", 8)]
    [InlineData("""{"samples":32,"checks":"auto"}""", null)]
    [InlineData("""{"samples":32,"verifications":"auto"}""", null)]
    [InlineData("\"thorough\"", null)]
    [InlineData("\"thorough,verifications=8\"", 8)]
    [InlineData("""{"samples":32}""", 0)]
    public void ChecksAreACountOrTheProfiles(string json, int? expected) => Assert.Equal(expected, Read(json).MaxVerifications);

    [Fact]
    public void ABadCheckCount_IsA400NamingTheField()
    {
        var e = Assert.Throws<ApiException>(() => Read("""{"checks":"many"}"""));
        Assert.Equal("budget.checks", e.Param);
    }
}
