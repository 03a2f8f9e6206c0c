namespace BrokerGateway.Ingress.Batches;

/// <summary>One request of a batch: its place in the input file, its id, model and body; once done, what came of it.</summary>
internal sealed record BatchLine(int Number, string CustomId, string Model, string Body);

/// <summary>What came of one line: the upstream's status and body, or an error object — never both empty.</summary>
internal sealed record BatchLineResult(int Number, int? StatusCode, string? RequestId, string? Response, string? Error)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}
