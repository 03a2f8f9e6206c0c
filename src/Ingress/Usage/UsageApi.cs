using System.Globalization;
using System.Text.Json.Serialization;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Usage;

/// <summary>
/// <c>GET /v1/usage?from=&amp;to=&amp;group_by=model|day</c>: the caller's totals from the usage
/// records. Callers in <c>Auth:AdminGroups</c> see everyone's and may filter by <c>user</c> or <c>group</c>.
/// </summary>
internal static class UsageApi
{
    public static IEndpointRouteBuilder MapUsage(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/usage", QueryAsync).RequireAuthorization();
        routes.MapGet("/resource_server/usage", QueryAsync).RequireAuthorization();
        return routes;
    }

    private static async Task<IResult> QueryAsync(
        HttpContext context, IUsageStore store, TimeProvider time, AdminGroups admins, IOptions<JwtOptions> jwt, CancellationToken cancellationToken)
    {
        var caller = CallerIdentity.From(context.User, jwt.Value.GroupsClaim);
        var query = context.Request.Query;
        var now = time.GetUtcNow();
        if (!TryParseTime(query["from"], new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero), out var from))
        {
            return ApiErrors.InvalidValue("from", "'from' must be an ISO-8601 date or time.").ToResult();
        }

        if (!TryParseTime(query["to"], now.AddSeconds(1), out var to))
        {
            return ApiErrors.InvalidValue("to", "'to' must be an ISO-8601 date or time.").ToResult();
        }

        UsageGrouping grouping;
        switch (query["group_by"].ToString())
        {
            case "" or "model":
                grouping = UsageGrouping.Model;
                break;
            case "day":
                grouping = UsageGrouping.Day;
                break;
            default:
                return ApiErrors.InvalidValue("group_by", "'group_by' must be 'model' or 'day'.").ToResult();
        }

        var admin = admins.Includes(caller);
        var user = query["user"].ToString() is { Length: > 0 } u ? u : null;
        var group = query["group"].ToString() is { Length: > 0 } g ? g : null;
        if (!admin && ((user is not null && user != caller.Subject) || group is not null))
        {
            return ApiErrors.UsageOfOthers().ToResult();
        }

        var filter = admin ? user : caller.Subject;
        var totals = await store.QueryAsync(new UsageQuery(from, to, grouping, filter, admin ? group : null), cancellationToken);
        return Results.Json(new UsageReport(
            "usage", from, to, grouping == UsageGrouping.Day ? "day" : "model", filter, admin ? group : null,
            totals.Select(t => new UsageLine(t.Key, t.Requests, t.PromptTokens, t.CompletionTokens, t.TotalTokens)).ToArray()), UsageJson.Gateway.UsageReport);
    }

    private static bool TryParseTime(string? text, DateTimeOffset fallback, out DateTimeOffset value)
    {
        if (string.IsNullOrEmpty(text))
        {
            value = fallback;
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }

    public sealed record UsageReport(
        [property: JsonPropertyName("object")] string Kind,
        [property: JsonPropertyName("from")] DateTimeOffset From,
        [property: JsonPropertyName("to")] DateTimeOffset To,
        [property: JsonPropertyName("group_by")] string GroupBy,
        [property: JsonPropertyName("user")] string? User,
        [property: JsonPropertyName("group")] string? Group,
        [property: JsonPropertyName("data")] IReadOnlyList<UsageLine> Data);

    public sealed record UsageLine(
        [property: JsonPropertyName("key")] string Key,
        [property: JsonPropertyName("requests")] long Requests,
        [property: JsonPropertyName("prompt_tokens")] long PromptTokens,
        [property: JsonPropertyName("completion_tokens")] long CompletionTokens,
        [property: JsonPropertyName("total_tokens")] long TotalTokens);
}
