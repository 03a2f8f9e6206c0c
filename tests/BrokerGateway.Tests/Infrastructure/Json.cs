using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace BrokerGateway.Tests.Infrastructure;

public static class Json
{
    public static StringContent Body(string json) => new(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Reads an OpenAI-shaped error and returns its code, checking all four fields are there.</summary>
    public static async Task<string?> ErrorCodeAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = (await ReadAsync(response)).GetProperty("error");
        Assert.Equal(JsonValueKind.String, error.GetProperty("message").ValueKind);
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.True(error.TryGetProperty("param", out _));
        return error.GetProperty("code").GetString();
    }
}
