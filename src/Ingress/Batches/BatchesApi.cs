using System.Text.Json;
using BrokerGateway.Ingress.Api;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using BrokerGateway.Ingress.FairShare;
using BrokerGateway.Ingress.Files;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Batches;

/// <summary>
/// OpenAI's Batch API: create a batch from an uploaded file, read it, list them, cancel one. A
/// caller sees only their own batches; anyone else's is 404. The work itself is the
/// <see cref="BatchRunner"/>'s.
/// </summary>
internal static class BatchesApi
{
    public const string CompletionWindow = "24h";

    public static IEndpointRouteBuilder MapBatches(this IEndpointRouteBuilder routes, string prefix)
    {
        var group = routes.MapGroup(prefix + "/batches").RequireAuthorization();
        group.MapPost(string.Empty, CreateAsync);
        group.MapGet(string.Empty, ListAsync);
        group.MapGet("/{batchId}", GetAsync);
        group.MapPost("/{batchId}/cancel", CancelAsync);
        return routes;
    }

    private static async Task<IResult> CreateAsync(
        HttpContext context, IBatchStore batches, IFileStore files, BatchRunner runner, IOptions<BatchOptions> options, IOptions<IngressOptions> ingress,
        IOptions<JwtOptions> jwt, RequestBodyReader reader, AccountSelector accounts, TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = CallerIdentity.From(context.User, jwt.Value.GroupsClaim);

        // Its lines are charged to the account named now, as sbatch --account names a job's.
        var account = FairShareHeaders.RequestedAccount(context.Request);
        if (account is not null && accounts.Select(caller, account).Error is { } notYours)
        {
            return notYours.ToResult();
        }

        var (body, readError) = await reader.ReadAsync(context.Request, ingress.Value.MaxRequestBodyBytes, cancellationToken);
        if (readError is not null)
        {
            return readError.ToResult();
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return ApiErrors.InvalidJson().ToResult();
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ApiErrors.InvalidJson().ToResult();
            }

            if (String(root, "input_file_id") is not { } inputFileId)
            {
                return ApiErrors.MissingParameter("input_file_id").ToResult();
            }

            if (String(root, "endpoint") is not { } endpoint || !BatchEndpoints.All.ContainsKey(endpoint))
            {
                return ApiErrors.InvalidValue("endpoint", $"'endpoint' must be one of {string.Join(", ", BatchEndpoints.All.Keys)}.").ToResult();
            }

            if (String(root, "completion_window") != CompletionWindow)
            {
                return ApiErrors.InvalidValue("completion_window", $"'completion_window' must be \"{CompletionWindow}\".").ToResult();
            }

            string? metadata = null;
            if (root.TryGetProperty("metadata", out var meta) && meta.ValueKind != JsonValueKind.Null)
            {
                if (meta.ValueKind != JsonValueKind.Object || meta.EnumerateObject().Count() > 16
                    || meta.EnumerateObject().Any(p => p.Name.Length > 64 || p.Value.ValueKind != JsonValueKind.String || p.Value.GetString()!.Length > 512))
                {
                    return ApiErrors.InvalidValue("metadata", "'metadata' must be an object of at most 16 string values (keys up to 64 characters, values up to 512).").ToResult();
                }

                metadata = meta.GetRawText();
            }

            if (await files.GetAsync(caller.Subject, inputFileId, cancellationToken) is not { Purpose: FileUpload.BatchPurpose } input)
            {
                return ApiErrors.InvalidValue("input_file_id", $"No file '{inputFileId}' with the purpose 'batch' was found.").ToResult();
            }

            var o = options.Value;
            if (input.Lines > o.MaxLines)
            {
                return ApiErrors.InvalidValue("input_file_id", $"The file has {input.Lines} requests; a batch may hold at most {o.MaxLines}.").ToResult();
            }

            if (await batches.CountActiveAsync(caller.Subject, cancellationToken) >= o.MaxActivePerUser)
            {
                return ApiErrors.TooManyBatches(o.MaxActivePerUser).ToResult();
            }

            var now = time.GetUtcNow();
            var batch = new Batch(
                "batch_" + Guid.NewGuid().ToString("N"), caller.Subject, caller.Groups, endpoint, inputFileId, CompletionWindow, BatchStatus.Validating, metadata, null,
                now, now.AddSeconds(o.CompletionWindowSeconds), new Dictionary<string, DateTimeOffset>(), 0, 0, 0, null, null, account);
            await batches.CreateAsync(batch, cancellationToken);
            runner.Wake();
            return Describe(batch);
        }
    }

    private static async Task<IResult> GetAsync(string batchId, HttpContext context, IBatchStore batches, IOptions<JwtOptions> jwt, CancellationToken cancellationToken)
    {
        var caller = CallerIdentity.From(context.User, jwt.Value.GroupsClaim);
        return await batches.GetAsync(caller.Subject, batchId, cancellationToken) is { } batch
            ? Describe(batch)
            : ApiErrors.BatchNotFound(batchId).ToResult();
    }

    private static async Task<IResult> ListAsync(HttpContext context, IBatchStore batches, IOptions<JwtOptions> jwt, CancellationToken cancellationToken)
    {
        var caller = CallerIdentity.From(context.User, jwt.Value.GroupsClaim);
        var query = context.Request.Query;
        var (limit, badLimit) = PageLimit.Read(query, 20, 100);
        if (badLimit is not null)
        {
            return badLimit.ToResult();
        }

        var page = await batches.ListAsync(caller.Subject, query["after"] is { Count: > 0 } a ? a.ToString() : null, limit + 1, cancellationToken);
        var shown = page.Take(limit).ToList();
        var list = new BatchList("list", shown.Select(BatchObject.From).ToList(), shown.FirstOrDefault()?.Id, shown.LastOrDefault()?.Id, page.Count > limit);
        return Results.Json(list, BatchesJson.Gateway.BatchList);
    }

    private static async Task<IResult> CancelAsync(string batchId, HttpContext context, IBatchStore batches, IOptions<JwtOptions> jwt, TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = CallerIdentity.From(context.User, jwt.Value.GroupsClaim);
        if (await batches.RequestCancelAsync(caller.Subject, batchId, time.GetUtcNow(), cancellationToken) is not { } batch)
        {
            return ApiErrors.BatchNotFound(batchId).ToResult();
        }

        return batch.Status is BatchStatus.Cancelling or BatchStatus.Cancelled
            ? Describe(batch)
            : ApiErrors.BatchNotCancellable(batch.Id, batch.Status).ToResult();
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    private static IResult Describe(Batch batch) => Results.Json(BatchObject.From(batch), BatchesJson.Gateway.BatchObject);
}
