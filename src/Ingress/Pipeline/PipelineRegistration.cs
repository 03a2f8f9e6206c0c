namespace BrokerGateway.Ingress.Pipeline;

internal static class PipelineRegistration
{
    /// <summary>The request pipeline; its steps (limits, routing, usage) are registered by their own features.</summary>
    public static IHostApplicationBuilder AddRequestPipeline(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RequestPipeline>();
        return builder;
    }
}
