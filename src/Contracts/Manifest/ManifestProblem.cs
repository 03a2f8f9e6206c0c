namespace BrokerGateway.Contracts.Manifest;

/// <summary>Why one manifest entry was skipped: the entry's name, the field at fault and the reason.</summary>
public sealed record ManifestProblem(string Entry, string Field, string Reason)
{
    public override string ToString() => $"entry '{Entry}', field '{Field}': {Reason}";
}
