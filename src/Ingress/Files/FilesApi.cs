using BrokerGateway.Ingress.Api;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Files;

/// <summary>
/// OpenAI's Files API for batch input: upload (multipart, <c>purpose=batch</c>, JSONL), list,
/// describe, download and delete. A caller sees only their own files; anyone else's is 404.
/// </summary>
internal static class FilesApi
{
    public static IEndpointRouteBuilder MapFiles(this IEndpointRouteBuilder routes, string prefix)
    {
        var group = routes.MapGroup(prefix + "/files").RequireAuthorization();
        group.MapPost(string.Empty, UploadAsync);
        group.MapGet(string.Empty, ListAsync);
        group.MapGet("/{fileId}", GetAsync);
        group.MapGet("/{fileId}/content", ContentAsync);
        group.MapDelete("/{fileId}", DeleteAsync);
        return routes;
    }

    private static async Task<IResult> UploadAsync(
        HttpContext context, IFileStore store, IOptions<FilesOptions> files, IOptions<IngressOptions> ingress, IOptions<JwtOptions> jwt, TimeProvider time,
        ILogger<FileUpload> logger, CancellationToken cancellationToken)
    {
        var o = files.Value;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // The file's own limit is checked while it is read; the body may be a little larger for the form around it.
            limit.MaxRequestBodySize = o.MaxBytes + 1024 * 1024;
        }

        var caller = CallerIdentity.From(context.User, jwt.Value.GroupsClaim);
        var upload = new FileUpload(store, o.MaxBytes, o.MaxLines, ingress.Value.MaxRequestBodyBytes, logger);
        var (file, error) = await upload.ReadAsync(context.Request, caller.Subject, time.GetUtcNow(), cancellationToken);
        return error is not null ? error.ToResult() : Describe(file!);
    }

    private static async Task<IResult> ListAsync(HttpContext context, IFileStore store, IOptions<JwtOptions> jwt, CancellationToken cancellationToken)
    {
        var caller = CallerIdentity.From(context.User, jwt.Value.GroupsClaim);
        var query = context.Request.Query;
        var (limit, badLimit) = PageLimit.Read(query, 10_000, 10_000);
        if (badLimit is not null)
        {
            return badLimit.ToResult();
        }

        var purpose = query["purpose"] is { Count: > 0 } p ? p.ToString() : null;
        var after = query["after"] is { Count: > 0 } a ? a.ToString() : null;
        var page = await store.ListAsync(caller.Subject, purpose, after, limit + 1, cancellationToken);
        var data = page.Take(limit).Select(FileObject.From).ToList();
        return Results.Json(new FileList("list", data, data.FirstOrDefault()?.Id, data.LastOrDefault()?.Id, page.Count > limit), FilesJson.Gateway.FileList);
    }

    private static async Task<IResult> GetAsync(string fileId, HttpContext context, IFileStore store, IOptions<JwtOptions> jwt, CancellationToken cancellationToken)
    {
        var caller = CallerIdentity.From(context.User, jwt.Value.GroupsClaim);
        return await store.GetAsync(caller.Subject, fileId, cancellationToken) is { } file
            ? Describe(file)
            : ApiErrors.FileNotFound(fileId).ToResult();
    }

    private static async Task ContentAsync(string fileId, HttpContext context, IFileStore store, IOptions<JwtOptions> jwt, CancellationToken cancellationToken)
    {
        var caller = CallerIdentity.From(context.User, jwt.Value.GroupsClaim);
        if (await store.GetAsync(caller.Subject, fileId, cancellationToken) is not { } file)
        {
            await ApiErrors.FileNotFound(fileId).WriteAsync(context);
            return;
        }

        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = file.Bytes;
        await foreach (var line in store.ReadAsync(file.Id, cancellationToken))
        {
            await context.Response.WriteAsync(line, cancellationToken);
        }
    }

    private static async Task<IResult> DeleteAsync(string fileId, HttpContext context, IFileStore store, IOptions<JwtOptions> jwt, CancellationToken cancellationToken)
    {
        var caller = CallerIdentity.From(context.User, jwt.Value.GroupsClaim);
        return await store.DeleteAsync(caller.Subject, fileId, cancellationToken)
            ? Results.Json(new FileDeleted(fileId, "file", true), FilesJson.Gateway.FileDeleted)
            : ApiErrors.FileNotFound(fileId).ToResult();
    }

    private static IResult Describe(StoredFile file) => Results.Json(FileObject.From(file), FilesJson.Gateway.FileObject);
}
