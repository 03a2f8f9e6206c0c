namespace BrokerGateway.Ingress.Batches;

/// <summary>One reason a batch failed validation, as OpenAI lists them: code, message, parameter and line number.</summary>
internal sealed record BatchError(string Code, string Message, string? Param, int? Line);
