namespace InferenceScaling.Server;

/// <summary>OpenAI's error body: <c>{ "error": { "message", "type", "param", "code" } }</c>.</summary>
internal sealed record ErrorBody(ErrorDetail Error);

/// <summary>The fields of an error.</summary>
internal sealed record ErrorDetail(string Message, string Type, string? Param, string? Code);

/// <summary><c>GET /healthz</c>.</summary>
internal sealed record HealthBody
{
    /// <summary><c>ok</c>, <c>degraded</c> (the decode loop is restarting) or <c>stopping</c>.</summary>
    public required string Status { get; init; }

    public string? Model { get; init; }

    public string? Device { get; init; }

    public int? QueueLength { get; init; }

    public int? ActiveRows { get; init; }

    /// <summary>Times the decode loop was restarted after a fault.</summary>
    public int? Restarts { get; init; }
}

/// <summary><c>GET /v1/models</c>.</summary>
internal sealed record ModelListBody(IReadOnlyList<ModelBody> Data)
{
    public string Object { get; init; } = "list";
}

/// <summary>One served model.</summary>
internal sealed record ModelBody(string Id)
{
    public string Object { get; init; } = "model";

    public long Created { get; init; }

    public string OwnedBy { get; init; } = "inferencescaling";
}
