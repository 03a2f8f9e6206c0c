namespace BrokerGateway.Ingress.FairShare;

/// <summary>What a caller says about fair share in its request's headers.</summary>
internal static class FairShareHeaders
{
    /// <summary>The account named in <c>x-gateway-account</c>, or null if the header is absent (an empty one is kept, to be refused).</summary>
    public static string? RequestedAccount(HttpRequest request) =>
        request.Headers.TryGetValue(FairShareOptions.AccountHeader, out var value) ? value.ToString().Trim() : null;
}
