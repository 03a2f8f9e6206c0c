using Microsoft.Data.Sqlite;

namespace BrokerGateway.Tests.Infrastructure;

/// <summary>Reads the usage records straight from an ingress's SQLite file, as an operator would.</summary>
public static class UsageRows
{
    public sealed record Row(string User, string Groups, string Model, string? EndpointId, string Route, int Status, int TotalTokens, int Attempts, double? UpstreamMs, string Everything, bool Streamed = false, string? Account = null);

    public static IReadOnlyList<Row> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM usage_records ORDER BY id";
        try
        {
            using var reader = command.ExecuteReader();
            var rows = new List<Row>();
            while (reader.Read())
            {
                var everything = string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : reader.GetValue(i).ToString()));
                rows.Add(new Row(
                    reader.GetString(reader.GetOrdinal("user_id")),
                    reader.GetString(reader.GetOrdinal("groups")),
                    reader.GetString(reader.GetOrdinal("model")),
                    reader.IsDBNull(reader.GetOrdinal("endpoint_id")) ? null : reader.GetString(reader.GetOrdinal("endpoint_id")),
                    reader.GetString(reader.GetOrdinal("route")),
                    reader.GetInt32(reader.GetOrdinal("status")),
                    reader.GetInt32(reader.GetOrdinal("total_tokens")),
                    reader.GetInt32(reader.GetOrdinal("attempts")),
                    reader.IsDBNull(reader.GetOrdinal("upstream_ms")) ? null : reader.GetDouble(reader.GetOrdinal("upstream_ms")),
                    everything,
                    reader.GetInt32(reader.GetOrdinal("streamed")) == 1,
                    reader.IsDBNull(reader.GetOrdinal("account")) ? null : reader.GetString(reader.GetOrdinal("account"))));
            }

            return rows;
        }
        catch (SqliteException)
        {
            return [];
        }
    }
}
