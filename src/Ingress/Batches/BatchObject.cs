using System.Text.Json;
using System.Text.Json.Serialization;

namespace BrokerGateway.Ingress.Batches;

/// <summary>OpenAI's batch object. <see cref="Errors"/> and <see cref="Metadata"/> are JSON as stored.</summary>
internal sealed record BatchObject(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Kind,
    [property: JsonPropertyName("endpoint")] string Endpoint,
    [property: JsonPropertyName("errors")] JsonElement? Errors,
    [property: JsonPropertyName("input_file_id")] string InputFileId,
    [property: JsonPropertyName("completion_window")] string CompletionWindow,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("output_file_id")] string? OutputFileId,
    [property: JsonPropertyName("error_file_id")] string? ErrorFileId,
    [property: JsonPropertyName("created_at")] long CreatedAt,
    [property: JsonPropertyName("expires_at")] long ExpiresAt,
    [property: JsonPropertyName("in_progress_at")] long? InProgressAt,
    [property: JsonPropertyName("finalizing_at")] long? FinalizingAt,
    [property: JsonPropertyName("completed_at")] long? CompletedAt,
    [property: JsonPropertyName("failed_at")] long? FailedAt,
    [property: JsonPropertyName("expired_at")] long? ExpiredAt,
    [property: JsonPropertyName("cancelling_at")] long? CancellingAt,
    [property: JsonPropertyName("cancelled_at")] long? CancelledAt,
    [property: JsonPropertyName("request_counts")] RequestCounts RequestCounts,
    [property: JsonPropertyName("metadata")] JsonElement? Metadata)
{
    public static BatchObject From(Batch batch)
    {
        long? At(string column) => batch.Times.TryGetValue(column, out var at) ? at.ToUnixTimeSeconds() : null;
        return new BatchObject(
            batch.Id, "batch", batch.Endpoint, BatchesJson.Parse(batch.Errors), batch.InputFileId, batch.CompletionWindow, batch.Status, batch.OutputFileId, batch.ErrorFileId,
            batch.CreatedAt.ToUnixTimeSeconds(), batch.ExpiresAt.ToUnixTimeSeconds(), At("in_progress_at"), At("finalizing_at"), At("completed_at"), At("failed_at"),
            At("expired_at"), At("cancelling_at"), At("cancelled_at"), new RequestCounts(batch.Total, batch.Completed, batch.Failed), BatchesJson.Parse(batch.Metadata));
    }
}

internal sealed record RequestCounts(
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("completed")] int Completed,
    [property: JsonPropertyName("failed")] int Failed);

/// <summary>A page of the caller's batches.</summary>
internal sealed record BatchList(
    [property: JsonPropertyName("object")] string Kind,
    [property: JsonPropertyName("data")] IReadOnlyList<BatchObject> Data,
    [property: JsonPropertyName("first_id")] string? FirstId,
    [property: JsonPropertyName("last_id")] string? LastId,
    [property: JsonPropertyName("has_more")] bool HasMore);

/// <summary>Why a batch failed validation, as OpenAI lists it in the batch's <c>errors</c>.</summary>
internal sealed record BatchErrorList(
    [property: JsonPropertyName("object")] string Kind,
    [property: JsonPropertyName("data")] IReadOnlyList<BatchErrorItem> Data);

internal sealed record BatchErrorItem(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("line")] int? Line);

/// <summary>One line of a batch's output or error file. <c>body</c> and <c>error</c> are JSON as stored.</summary>
internal sealed record BatchOutputLine(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("custom_id")] string CustomId,
    [property: JsonPropertyName("response")] BatchLineResponse? Response,
    [property: JsonPropertyName("error")] JsonElement? Error);

internal sealed record BatchLineResponse(
    [property: JsonPropertyName("status_code")] int StatusCode,
    [property: JsonPropertyName("request_id")] string? RequestId,
    [property: JsonPropertyName("body")] JsonElement? Body);

/// <summary>The error of a line the gateway refused: <c>{"code", "message"}</c>.</summary>
internal sealed record LineError(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message);
