using System.Text.Json.Serialization;
using BrokerGateway.Ingress.Routing;

namespace BrokerGateway.Ingress.Dashboard;

/// <summary>
/// What the dashboard shows, as <c>GET /v1/dashboard</c> answers it: the endpoints now, the last
/// hour of interactive requests per model and minute, tokens per user and group today and this
/// month, and the batches in progress. Everything but the endpoints comes from the usage records
/// and batches in the shared database, so every ingress replica shows the same.
/// </summary>
internal sealed record DashboardSnapshot(
    [property: JsonPropertyName("object")] string Kind,
    [property: JsonPropertyName("generated_at")] DateTimeOffset GeneratedAt,
    [property: JsonPropertyName("usage_records")] bool UsageRecords,
    [property: JsonPropertyName("endpoints")] IReadOnlyList<EndpointInfo> Endpoints,
    [property: JsonPropertyName("traffic")] TrafficSeries Traffic,
    [property: JsonPropertyName("tokens")] TokenTotals Tokens,
    [property: JsonPropertyName("batches")] IReadOnlyList<BatchProgress> Batches);

/// <summary>
/// Interactive requests per minute (UTC, <c>yyyy-MM-ddTHH:mm</c>) over the last hour, oldest first,
/// and for each model the count per minute by outcome and the latency of its successful requests
/// (p50, p95 in ms, estimated from a histogram; null in a minute without any).
/// </summary>
internal sealed record TrafficSeries(
    [property: JsonPropertyName("minutes")] IReadOnlyList<string> Minutes,
    [property: JsonPropertyName("models")] IReadOnlyList<ModelTraffic> Models);

internal sealed record ModelTraffic(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("requests")] IReadOnlyList<long> Requests,
    [property: JsonPropertyName("client_errors")] IReadOnlyList<long> ClientErrors,
    [property: JsonPropertyName("server_errors")] IReadOnlyList<long> ServerErrors,
    [property: JsonPropertyName("p50_ms")] IReadOnlyList<double?> P50Milliseconds,
    [property: JsonPropertyName("p95_ms")] IReadOnlyList<double?> P95Milliseconds);

/// <summary>Tokens (prompt and completion) per user and per group, today and since the month began (UTC days), most this month first.</summary>
internal sealed record TokenTotals(
    [property: JsonPropertyName("day")] string Day,
    [property: JsonPropertyName("month_from")] string MonthFrom,
    [property: JsonPropertyName("users")] IReadOnlyList<ScopeTokens> Users,
    [property: JsonPropertyName("groups")] IReadOnlyList<ScopeTokens> Groups);

internal sealed record ScopeTokens(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("today")] long Today,
    [property: JsonPropertyName("month")] long Month);

internal sealed record BatchProgress(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("owner")] string Owner,
    [property: JsonPropertyName("endpoint")] string Endpoint,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("completed")] int Completed,
    [property: JsonPropertyName("failed")] int Failed,
    [property: JsonPropertyName("created_at")] long CreatedAt);
