using Microsoft.Extensions.Options;

namespace BrokerGateway.ManifestWatcher;

/// <summary>Reads the manifest's bytes from an http(s) URL or a file.</summary>
internal sealed class ManifestSource(IHttpClientFactory httpClients, IOptions<ManifestSourceOptions> options)
{
    public const string HttpClientName = "manifest";
    private const int MaxBytes = 16 * 1024 * 1024;

    public async Task<byte[]> FetchAsync(CancellationToken cancellationToken)
    {
        var location = options.Value.StatusUrl;
        var safe = options.Value.SafeDescription;
        if (Uri.TryCreate(location, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return await FetchHttpAsync(uri, safe, cancellationToken);
        }

        var path = uri is { IsFile: true } ? uri.LocalPath : location;
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > MaxBytes)
            {
                throw new ManifestUnavailableException($"manifest file {safe} is larger than {MaxBytes} bytes");
            }

            return await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ManifestUnavailableException($"cannot read manifest file {safe}: {ex.GetType().Name}", ex);
        }
    }

    private async Task<byte[]> FetchHttpAsync(Uri uri, string safe, CancellationToken cancellationToken)
    {
        var client = httpClients.CreateClient(HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Uri.UnescapeDataString(uri.UserInfo)));
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", basic);
        }

        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new ManifestUnavailableException($"manifest {safe} answered HTTP {(int)response.StatusCode}");
            }

            if (response.Content.Headers.ContentLength > MaxBytes)
            {
                throw new ManifestUnavailableException($"manifest {safe} is larger than {MaxBytes} bytes");
            }

            return await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new ManifestUnavailableException($"cannot fetch manifest {safe}: {ex.HttpRequestError}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ManifestUnavailableException($"fetching manifest {safe} timed out", ex);
        }
    }
}
