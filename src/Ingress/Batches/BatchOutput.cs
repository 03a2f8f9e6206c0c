using System.Text;
using System.Text.Json;
using BrokerGateway.Ingress.Files;

namespace BrokerGateway.Ingress.Batches;

/// <summary>
/// Writes a batch's results as two files in OpenAI's line format — the successes to the output
/// file, everything else to the error file — each line
/// <c>{"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}</c>.
/// A file with no lines is not made.
/// </summary>
internal sealed class BatchOutput(IBatchStore batches, IFileStore files)
{
    public const string Purpose = "batch_output";
    private const int LinesPerWrite = 500;

    public async Task<(string? OutputFileId, string? ErrorFileId)> WriteAsync(Batch batch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var output = new Writer(files, batch, "output", now);
        var errors = new Writer(files, batch, "error", now);
        await foreach (var (customId, result) in batches.ResultsAsync(batch.Id, cancellationToken))
        {
            await (result.Succeeded ? output : errors).AddAsync(Line(batch, customId, result), cancellationToken);
        }

        return (await output.CompleteAsync(cancellationToken), await errors.CompleteAsync(cancellationToken));
    }

    private static string Line(Batch batch, string customId, BatchLineResult result)
    {
        var response = result.StatusCode is { } status ? new BatchLineResponse(status, result.RequestId, BatchesJson.Parse(result.Response ?? "null")) : null;
        var line = new BatchOutputLine($"batch_req_{batch.Id["batch_".Length..]}_{result.Number}", customId, response, BatchesJson.Parse(result.Error));
        return JsonSerializer.Serialize(line, BatchesJson.Gateway.BatchOutputLine);
    }

    /// <summary>One result file, begun at its first line.</summary>
    private sealed class Writer(IFileStore files, Batch batch, string kind, DateTimeOffset now)
    {
        private readonly List<string> _pending = [];
        private StoredFile? _file;
        private int _written;
        private long _bytes;

        public async Task AddAsync(string line, CancellationToken cancellationToken)
        {
            if (_file is null)
            {
                _file = new StoredFile("file-" + Guid.NewGuid().ToString("N"), batch.Owner, Purpose, $"{batch.Id}_{kind}.jsonl", 0, 0, now);
                await files.BeginAsync(_file, cancellationToken);
            }

            _pending.Add(line);
            _bytes += Encoding.UTF8.GetByteCount(line) + 1;
            if (_pending.Count >= LinesPerWrite)
            {
                await FlushAsync(cancellationToken);
            }
        }

        public async Task<string?> CompleteAsync(CancellationToken cancellationToken)
        {
            if (_file is null)
            {
                return null;
            }

            await FlushAsync(cancellationToken);
            await files.CompleteAsync(_file.Id, Purpose, _bytes, _written, endsWithLineFeed: true, cancellationToken);
            return _file.Id;
        }

        private async Task FlushAsync(CancellationToken cancellationToken)
        {
            await files.AppendAsync(_file!.Id, _written, _pending, cancellationToken);
            _written += _pending.Count;
            _pending.Clear();
        }
    }
}
