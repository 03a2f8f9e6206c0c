using Microsoft.Extensions.Options;

namespace BrokerGateway.ManifestWatcher;

/// <summary>Reads the manifest's bytes from an http(s) URL or a file.</summary>
internal sealed class ManifestSource(IHttpClientFactory httpClients, IOptions<ManifestSourceOptions> options)
{
    public const string HttpClientName = "manifest";
    private const int MaxBytes = 16 * 1024 * 1024;

    public async Task<ManifestDocument> FetchAsync(CancellationToken cancellationToken)
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

            // The modification time of the file read, from the same handle (a ConfigMap's file is a
            // link that the kubelet moves to a new file on an update).
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous);
            var modified = new DateTimeOffset(File.GetLastWriteTimeUtc(stream.SafeFileHandle), TimeSpan.Zero);
            using var bytes = new MemoryStream();
            await stream.CopyToAsync(bytes, cancellationToken);
            return new ManifestDocument(bytes.ToArray(), modified);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ManifestUnavailableException($"cannot read manifest file {safe}: {ex.GetType().Name}", ex);
        }
    }

    private async Task<ManifestDocument> FetchHttpAsync(Uri uri, string safe, CancellationToken cancellationToken)
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

            return new ManifestDocument(await response.Content.ReadAsByteArrayAsync(cancellationToken), response.Content.Headers.LastModified);
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
