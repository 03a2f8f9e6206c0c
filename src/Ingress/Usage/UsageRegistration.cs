namespace BrokerGateway.Ingress.Usage;

internal static class UsageRegistration
{
    /// <summary>
    /// Usage records in the gateway's database (<see cref="Database.DatabaseRegistration.AddGatewayDatabase"/>,
    /// added before), written off the request path.
    /// </summary>
    public static IHostApplicationBuilder AddUsageRecords(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<UsageOptions>()
            .BindConfiguration(UsageOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(UsageTotals.Fill);
        builder.Services.AddSingleton<IUsageStore, SqlUsageStore>();
        builder.Services.AddSingleton<Limits.ITokenTotals>(sp => sp.GetRequiredService<IUsageStore>());
        builder.Services.AddSingleton<UsageRecorder>();
        builder.Services.AddHostedService<UsageWriter>();
        return builder;
    }
}
