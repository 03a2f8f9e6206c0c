using BrokerGateway.Ingress.Pipeline;

namespace BrokerGateway.Ingress.Responses;

internal static class ResponsesRegistration
{
    /// <summary>Where stored responses are held, in the gateway's database; the follow-up routes that use it are the Responses API's, with the completion routes.</summary>
    public static IHostApplicationBuilder AddResponseMemory(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IResponseMemory, SqlResponseMemory>();
        return builder;
    }
}
