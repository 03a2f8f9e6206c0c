using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BrokerGateway.Ingress.Caching;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Auth;

/// <summary>
/// Asks the introspection endpoint about a token (RFC 7662), with the client's credentials as HTTP
/// Basic auth. Answers are cached under the SHA-256 of the token — never the token itself — for at
/// most <c>CacheSeconds</c> and never past the token's <c>exp</c>. Failures are not cached.
/// Concurrent requests with the same uncached token share one call to the endpoint.
/// </summary>
internal sealed class TokenIntrospector(IHttpClientFactory clients, IOptions<IntrospectionOptions> options, TimeProvider time) : IDisposable
{
    public const string HttpClientName = "introspection";

    /// <summary>Answers kept at most: a flood of distinct junk tokens cannot grow the cache without bound.</summary>
    public const int MaxCachedAnswers = 100_000;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = MaxCachedAnswers });
    private readonly SingleFlight<string, IntrospectionResult> _lookups = new();

    public void Dispose() => _cache.Dispose();

    public async Task<IntrospectionResult> IntrospectAsync(string token, CancellationToken cancellationToken)
    {
        var key = "introspection:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        if (_cache.TryGetValue(key, out IntrospectionResult? cached) && cached is not null)
        {
            return Expired(cached) ? cached with { Active = false } : cached;
        }

        var result = await _lookups.RunAsync(key, _ => LookUpAsync(key, token), cancellationToken);
        return Expired(result) ? result with { Active = false } : result;
    }

    /// <summary>Asks the endpoint and caches the answer; shared by every request waiting for this token.</summary>
    private async Task<IntrospectionResult> LookUpAsync(string key, string token)
    {
        // Not the first caller's token: the answer is shared, and the HTTP client's timeout bounds the wait.
        var result = await AskAsync(token, CancellationToken.None);
        var o = options.Value;
        var until = time.GetUtcNow().AddSeconds(o.CacheSeconds);
        if (result.Expires is { } expires && expires < until)
        {
            until = expires;
        }

        if (until > time.GetUtcNow())
        {
            _cache.Set(key, result, new MemoryCacheEntryOptions { AbsoluteExpiration = until, Size = 1 });
        }

        return result;
    }

    private bool Expired(IntrospectionResult result) => result.Expires is { } expires && expires <= time.GetUtcNow();

    private async Task<IntrospectionResult> AskAsync(string token, CancellationToken cancellationToken)
    {
        var o = options.Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, o.Url)
        {
            Content = new FormUrlEncodedContent([new("token", token), new("token_type_hint", "access_token")]),
        };
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(o.ClientId!)}:{Uri.EscapeDataString(o.ClientSecret!)}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials);
        try
        {
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new IntrospectionUnavailableException($"the introspection endpoint answered HTTP {(int)response.StatusCode}");
            }

            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            return Parse(document.RootElement, o);
        }
        catch (HttpRequestException ex)
        {
            throw new IntrospectionUnavailableException($"the introspection endpoint could not be reached ({ex.HttpRequestError})", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IntrospectionUnavailableException("the introspection endpoint did not answer in time", ex);
        }
        catch (JsonException ex)
        {
            throw new IntrospectionUnavailableException("the introspection endpoint's answer is not JSON", ex);
        }
    }

    private static IntrospectionResult Parse(JsonElement root, IntrospectionOptions o)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new IntrospectionUnavailableException("the introspection endpoint's answer is not a JSON object");
        }

        var active = root.TryGetProperty("active", out var a) && a.ValueKind == JsonValueKind.True;
        var subject = root.TryGetProperty(o.SubjectField, out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        DateTimeOffset? expires = root.TryGetProperty("exp", out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var seconds)
            && seconds is > 0 and < 253_402_300_800
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
        IReadOnlyList<string> groups = root.TryGetProperty(o.GroupsField, out var g) ? g.ValueKind switch
        {
            JsonValueKind.Array => g.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToArray(),
            JsonValueKind.String => g.GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            _ => [],
        } : [];
        var refusal = !active ? null
            : string.IsNullOrWhiteSpace(subject) ? "the introspection answer names no subject"
            : o.Audience is { Length: > 0 } audience && !IsFor(root, audience) ? "the token was not issued for this gateway (audience and client_id do not match)"
            : null;
        return new IntrospectionResult(active && refusal is null, subject, groups, expires, refusal);
    }

    /// <summary>Whether the answer's <c>aud</c> (a string or an array) holds the audience, or its <c>client_id</c> is it.</summary>
    private static bool IsFor(JsonElement root, string audience)
    {
        if (root.TryGetProperty("aud", out var aud))
        {
            if (aud.ValueKind == JsonValueKind.String && aud.GetString() == audience)
            {
                return true;
            }

            if (aud.ValueKind == JsonValueKind.Array && aud.EnumerateArray().Any(a => a.ValueKind == JsonValueKind.String && a.GetString() == audience))
            {
                return true;
            }
        }

        return root.TryGetProperty("client_id", out var client) && client.ValueKind == JsonValueKind.String && client.GetString() == audience;
    }
}
