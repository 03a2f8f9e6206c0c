namespace BrokerGateway.Ingress.Database;

/// <summary>
/// The gateway database's schema: the DDL of each version, in order, only ever appended to. Which
/// versions a database has is recorded in <see cref="VersionTable"/> (called <c>usage_schema</c>
/// before, when the usage store owned it: a database of that time has its versions copied over in
/// place, and keeps the former table for replicas of the earlier release).
/// Usage records (1, 3, 4, 6), uploaded files (2), batches (3, 7) and where stored responses are held (5) share it; a version that must be
/// filled from rows already there names a <see cref="MigrationFill"/>.
/// </summary>
internal static class GatewaySchema
{
    public const string VersionTable = "gateway_schema";

    /// <summary>The version table's name before it was the whole gateway's.</summary>
    public const string FormerVersionTable = "usage_schema";

    /// <summary>The version whose new table is filled from the usage records already there.</summary>
    public const int UsageTotalsVersion = 4;

    /// <summary>The DDL of versions 1, 2, 3 … for a database whose auto-numbered key column is <paramref name="identityColumn"/>.</summary>
    public static IReadOnlyList<string> Versions(string identityColumn) =>
    [
        $"""
        CREATE TABLE usage_records (
            id {identityColumn},
            time_utc TEXT NOT NULL,
            day TEXT NOT NULL,
            request_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            groups TEXT NOT NULL,
            model TEXT NOT NULL,
            endpoint_id TEXT,
            route TEXT NOT NULL,
            status INTEGER NOT NULL,
            prompt_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL,
            total_tokens INTEGER NOT NULL,
            total_ms DOUBLE PRECISION NOT NULL,
            upstream_ms DOUBLE PRECISION,
            attempts INTEGER NOT NULL,
            streamed INTEGER NOT NULL
        );
        CREATE INDEX ix_usage_records_user_time ON usage_records (user_id, time_utc);
        CREATE INDEX ix_usage_records_time ON usage_records (time_utc);
        """,
        """
        CREATE TABLE gateway_files (
            id TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            purpose TEXT NOT NULL,
            filename TEXT NOT NULL,
            bytes BIGINT NOT NULL,
            line_count INTEGER NOT NULL,
            created_at BIGINT NOT NULL,
            complete INTEGER NOT NULL,
            ends_with_lf INTEGER NOT NULL
        );
        CREATE INDEX ix_gateway_files_owner ON gateway_files (owner, created_at);
        CREATE TABLE gateway_file_lines (
            file_id TEXT NOT NULL,
            line_number INTEGER NOT NULL,
            text TEXT NOT NULL,
            PRIMARY KEY (file_id, line_number)
        );
        """,
        """
        ALTER TABLE usage_records ADD COLUMN batch_id TEXT;
        CREATE TABLE gateway_batches (
            id TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            groups TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            input_file_id TEXT NOT NULL,
            completion_window TEXT NOT NULL,
            status TEXT NOT NULL,
            metadata TEXT,
            errors TEXT,
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            in_progress_at BIGINT,
            finalizing_at BIGINT,
            completed_at BIGINT,
            failed_at BIGINT,
            expired_at BIGINT,
            cancelling_at BIGINT,
            cancelled_at BIGINT,
            total INTEGER NOT NULL,
            completed INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            output_file_id TEXT,
            error_file_id TEXT,
            lease_owner TEXT,
            lease_until BIGINT
        );
        CREATE INDEX ix_gateway_batches_owner ON gateway_batches (owner, created_at);
        CREATE INDEX ix_gateway_batches_status ON gateway_batches (status);
        CREATE TABLE gateway_batch_lines (
            batch_id TEXT NOT NULL,
            line_number INTEGER NOT NULL,
            custom_id TEXT NOT NULL,
            model TEXT NOT NULL,
            body TEXT NOT NULL,
            done INTEGER NOT NULL,
            status_code INTEGER,
            request_id TEXT,
            response TEXT,
            error TEXT,
            PRIMARY KEY (batch_id, line_number)
        );
        """,
        """
        CREATE TABLE usage_totals (
            scope TEXT NOT NULL,
            day TEXT NOT NULL,
            tokens BIGINT NOT NULL,
            PRIMARY KEY (scope, day)
        );
        """,
        """
        CREATE TABLE gateway_responses (
            id TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            endpoint_id TEXT NOT NULL,
            model TEXT NOT NULL,
            created_at BIGINT NOT NULL
        );
        CREATE INDEX ix_gateway_responses_created ON gateway_responses (created_at);
        """,
        """
        ALTER TABLE usage_records ADD COLUMN account TEXT;
        """,
        """
        ALTER TABLE gateway_batches ADD COLUMN account TEXT;
        """,
    ];
}
