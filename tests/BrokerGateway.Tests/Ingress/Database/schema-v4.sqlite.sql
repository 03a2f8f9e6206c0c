-- A gateway database as main at 26eeac7 left it (schema version 4, versions in usage_schema): one chat
-- request, one uploaded file and one completed batch. Made with sqlite3 .dump.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE usage_schema (version INTEGER NOT NULL);
INSERT INTO usage_schema VALUES(1);
INSERT INTO usage_schema VALUES(2);
INSERT INTO usage_schema VALUES(3);
INSERT INTO usage_schema VALUES(4);
CREATE TABLE usage_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
, batch_id TEXT);
INSERT INTO usage_records VALUES(1,'2026-12-01T17:00:33.650Z','2026-12-01','6b780c3059e447cc819d21ecf0f7feea','fixture-user','  ','mock-gpt','mock-echo','chat/completions',200,9,2,11,184.46000000000000795,6.0849000000000001975,1,0,NULL);
INSERT INTO usage_records VALUES(2,'2026-12-01T17:00:33.998Z','2026-12-01','7c322450599c4240bb0607a88c707b6b','fixture-user','  ','mock-gpt','mock-echo','chat/completions',200,11,4,15,15.656900000000000261,0.22509999999999999453,1,0,'batch_f25d1d914bac428386ab75698706201e');
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
INSERT INTO gateway_files VALUES('file-d4cd7f4af8764a51a776a27ad6622ef0','fixture-user','batch','in.jsonl',151,1,1796144433,1,1);
INSERT INTO gateway_files VALUES('file-cbd917df5ed0473083065030f8c931b7','fixture-user','batch_output','batch_f25d1d914bac428386ab75698706201e_output.jsonl',486,1,1796144434,1,1);
CREATE TABLE gateway_file_lines (
    file_id TEXT NOT NULL,
    line_number INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (file_id, line_number)
);
INSERT INTO gateway_file_lines VALUES('file-d4cd7f4af8764a51a776a27ad6622ef0',0,'{"custom_id":"line-1","method":"POST","url":"/v1/chat/completions","body":{"model":"mock-gpt","messages":[{"role":"user","content":"batch fixture"}]}}');
INSERT INTO gateway_file_lines VALUES('file-cbd917df5ed0473083065030f8c931b7',0,'{"id":"batch_req_f25d1d914bac428386ab75698706201e_1","custom_id":"line-1","response":{"status_code":200,"request_id":"7c322450599c4240bb0607a88c707b6b","body":{"id":"chatcmpl-mock-7c322450599c4240bb0607a88c707b6b","object":"chat.completion","created":1796144433,"model":"mock-gpt","choices":[{"index":0,"message":{"role":"assistant","content":"batch fixture"},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":11,"completion_tokens":4,"total_tokens":15}}},"error":null}');
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
INSERT INTO gateway_batches VALUES('batch_f25d1d914bac428386ab75698706201e','fixture-user','[]','/v1/chat/completions','file-d4cd7f4af8764a51a776a27ad6622ef0','24h','completed',NULL,NULL,1796144433,1796230833,1796144433,1796144434,1796144434,NULL,NULL,NULL,NULL,1,1,0,'file-cbd917df5ed0473083065030f8c931b7',NULL,NULL,NULL);
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
INSERT INTO gateway_batch_lines VALUES('batch_f25d1d914bac428386ab75698706201e',1,'line-1','mock-gpt','{"model":"mock-gpt","messages":[{"role":"user","content":"batch fixture"}]}',1,200,'7c322450599c4240bb0607a88c707b6b','{"id":"chatcmpl-mock-7c322450599c4240bb0607a88c707b6b","object":"chat.completion","created":1796144433,"model":"mock-gpt","choices":[{"index":0,"message":{"role":"assistant","content":"batch fixture"},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":11,"completion_tokens":4,"total_tokens":15}}',NULL);
CREATE TABLE usage_totals (
    scope TEXT NOT NULL,
    day TEXT NOT NULL,
    tokens BIGINT NOT NULL,
    PRIMARY KEY (scope, day)
);
INSERT INTO usage_totals VALUES('u:fixture-user','2026-12-01',26);
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('usage_records',2);
CREATE INDEX ix_usage_records_user_time ON usage_records (user_id, time_utc);
CREATE INDEX ix_usage_records_time ON usage_records (time_utc);
CREATE INDEX ix_gateway_files_owner ON gateway_files (owner, created_at);
CREATE INDEX ix_gateway_batches_owner ON gateway_batches (owner, created_at);
CREATE INDEX ix_gateway_batches_status ON gateway_batches (status);
COMMIT;
