namespace BrokerGateway.Ingress.Files;

internal static class FilesRegistration
{
    /// <summary>Uploaded files (batch inputs, results) in the gateway's database; their routes are <see cref="FilesApi.MapFiles"/>.</summary>
    public static IHostApplicationBuilder AddFiles(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FilesOptions>().BindConfiguration(FilesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IFileStore, SqlFileStore>();
        return builder;
    }
}
