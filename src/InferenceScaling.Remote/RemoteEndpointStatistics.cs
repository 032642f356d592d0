namespace InferenceScaling.Remote;

/// <summary>What one endpoint has done so far (a snapshot).</summary>
public sealed record RemoteEndpointStatistics
{
    /// <summary>The endpoint's base URL.</summary>
    public required Uri Address { get; init; }

    /// <summary>Requests that succeeded.</summary>
    public required long Succeeded { get; init; }

    /// <summary>Attempts that failed (each retried elsewhere or later).</summary>
    public required long Failed { get; init; }

    /// <summary>Requests in flight now.</summary>
    public required int Outstanding { get; init; }

    /// <summary>Tokens the endpoint generated for traces that completed.</summary>
    public required long GeneratedTokens { get; init; }

    /// <summary>Whether the endpoint is set aside now after repeated failures.</summary>
    public required bool SetAside { get; init; }
}
