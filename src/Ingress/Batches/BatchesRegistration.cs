namespace BrokerGateway.Ingress.Batches;

internal static class BatchesRegistration
{
    /// <summary>
    /// Batch jobs: their store, and the runner that works through them in the background of each
    /// ingress, each line through the request pipeline; their routes are <see cref="BatchesApi.MapBatches"/>.
    /// </summary>
    public static IHostApplicationBuilder AddBatches(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BatchOptions>().BindConfiguration(BatchOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IBatchStore, SqlBatchStore>();
        builder.Services.AddSingleton<BatchValidator>();
        builder.Services.AddSingleton<BatchLineExecutor>();
        builder.Services.AddSingleton<BatchOutput>();
        builder.Services.AddSingleton<BatchRunner>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BatchRunner>());
        return builder;
    }
}
