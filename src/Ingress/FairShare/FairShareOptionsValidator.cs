using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.FairShare;

/// <summary>Says every bad fair-share setting by its key when the ingress starts.</summary>
internal sealed class FairShareOptionsValidator : IValidateOptions<FairShareOptions>
{
    public ValidateOptionsResult Validate(string? name, FairShareOptions options) =>
        options.Problems().ToArray() is { Length: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}
