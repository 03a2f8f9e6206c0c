namespace BrokerGateway.Ingress.Dashboard;

internal static class DashboardRegistration
{
    public static IHostApplicationBuilder AddDashboard(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DashboardStore>();
        builder.Services.AddSingleton<DashboardSnapshots>();
        return builder;
    }
}
