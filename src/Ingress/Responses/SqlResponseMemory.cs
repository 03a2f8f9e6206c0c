using System.Text.Json;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Database;
using BrokerGateway.Ingress.Pipeline;

namespace BrokerGateway.Ingress.Responses;

/// <summary>
/// Where stored responses are held, in the gateway's database (<c>gateway_responses</c>, schema in
/// <see cref="GatewaySchema"/>), so that every ingress replica sends a follow-up to the endpoint
/// that made the response. A row is written before the caller gets the response, so a follow-up
/// sent the moment it arrives finds it; rows older than <see cref="Retention"/> (how long OpenAI
/// keeps a stored response) are deleted now and then.
/// </summary>
internal sealed class SqlResponseMemory(IDatabase database, TimeProvider time) : IResponseMemory
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    private static readonly TimeSpan PurgeEvery = TimeSpan.FromHours(1);
    private long _nextPurge;

    public async Task<ResponseOrigin?> FindAsync(string owner, string responseId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var select = connection.Command("SELECT endpoint_id, model FROM gateway_responses WHERE id = @id AND owner = @owner");
        select.Parameter("@id", responseId);
        select.Parameter("@owner", owner);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new ResponseOrigin(reader.GetString(0), reader.GetString(1)) : null;
    }

    public async Task RememberAsync(string owner, string model, string endpointId, string answer, CancellationToken cancellationToken)
    {
        if (StoredId(answer) is not { } id)
        {
            return;
        }

        var now = time.GetUtcNow();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using (var insert = connection.Command("""
            INSERT INTO gateway_responses (id, owner, endpoint_id, model, created_at) VALUES (@id, @owner, @endpoint, @model, @created)
            ON CONFLICT (id) DO NOTHING
            """))
        {
            insert.Parameter("@id", id);
            insert.Parameter("@owner", owner);
            insert.Parameter("@endpoint", endpointId);
            insert.Parameter("@model", model);
            insert.Parameter("@created", now.ToUnixTimeSeconds());
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        var due = Interlocked.Read(ref _nextPurge);
        if (now.UtcTicks >= due && Interlocked.CompareExchange(ref _nextPurge, (now + PurgeEvery).UtcTicks, due) == due)
        {
            await using var purge = connection.Command("DELETE FROM gateway_responses WHERE created_at < @before");
            purge.Parameter("@before", (now - Retention).ToUnixTimeSeconds());
            await purge.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task ForgetAsync(string owner, string responseId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var delete = connection.Command("DELETE FROM gateway_responses WHERE id = @id AND owner = @owner");
        delete.Parameter("@id", responseId);
        delete.Parameter("@owner", owner);
        await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The id of a stored response in an answer (a response object, or a stream's end with its id); null when it is not stored or names no usable id.</summary>
    internal static string? StoredId(string answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || (root.TryGetProperty("store", out var store) && store.ValueKind == JsonValueKind.False)
                || !root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            var text = id.GetString();
            return ResponseIds.IsValid(text) ? text : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
