using InferenceScaling.Server;
using InferenceScaling.Tests.Models;

namespace InferenceScaling.Tests.Server;

/// <summary>The service's ceilings on a budget's checks: a count left to the checking profile stays within the caps.</summary>
public sealed class ServerBudgetCeilingTests(ShippedModelFixture fixture) : IClassFixture<ShippedModelFixture>
{
    [Fact]
    public async Task ChecksLeftToTheProfile_AreCappedAtTheServicesChecks_ExplicitCountsAndSmallOnesAreKept()
    {
        // The shipped model's profile checks every sample's candidate: 100 samples would ask for 100 checks, over the cap of 64.
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { MaxSamplesPerRequest = 128 }, paused: true);

        Assert.Equal(64, server.State.Ceil(Budget.Parse("samples=100,checks=auto")).MaxVerifications);
        Assert.Null(server.State.Ceil(Budget.Thorough).MaxVerifications);
        Assert.Equal(8, server.State.Ceil(Budget.Parse("thorough,checks=8")).MaxVerifications);
    }
}
