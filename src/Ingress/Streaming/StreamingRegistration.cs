namespace BrokerGateway.Ingress.Streaming;

internal static class StreamingRegistration
{
    /// <summary>Streamed answers: their limits and the server-sent-events writer.</summary>
    public static IHostApplicationBuilder AddStreaming(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StreamingOptions>().BindConfiguration(StreamingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<StreamResponder>();
        return builder;
    }
}
