using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using BrokerGateway.Ingress.Errors;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace BrokerGateway.Ingress.Files;

/// <summary>
/// Reads a multipart upload (<c>file</c> and <c>purpose</c>, in either order) without holding it
/// whole: the file goes to the store a few hundred lines at a time, checked on the way against
/// the size, line count and line length limits and for UTF-8. A refused or broken upload leaves
/// nothing behind.
/// </summary>
internal sealed class FileUpload(IFileStore store, long maxBytes, int maxLines, long maxLineBytes, ILogger logger)
{
    /// <summary>The only purpose the gateway takes files for.</summary>
    public const string BatchPurpose = "batch";

    private const int LinesPerWrite = 500;

    /// <summary>Text held for one write to the store at most: a few long lines are written at once, not 500 of them.</summary>
    private const long BytesPerWrite = 4 * 1024 * 1024;

    /// <summary>The longest <c>purpose</c> value read.</summary>
    private const int MaxPurposeChars = 64;

    /// <summary>The longest file name kept.</summary>
    private const int MaxNameChars = 255;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public async Task<(StoredFile? File, ApiError? Error)> ReadAsync(HttpRequest request, string owner, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
        {
            return (null, ApiErrors.NotMultipart());
        }

        var reader = new MultipartReader(boundary, request.Body);
        string? purpose = null;
        StoredFile? file = null;
        (long Bytes, int Lines, bool EndsWithLineFeed) content = default;
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (name == "purpose")
                {
                    using var text = new StreamReader(section.Body, Encoding.UTF8);
                    var buffer = new char[MaxPurposeChars + 1];
                    purpose = new string(buffer, 0, await text.ReadBlockAsync(buffer, cancellationToken)).Trim();
                }
                else if (name == "file" && file is null)
                {
                    var filename = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "upload.jsonl";
                    file = new StoredFile("file-" + Guid.NewGuid().ToString("N"), owner, string.Empty, SafeName(filename), 0, 0, now);
                    await store.BeginAsync(file, cancellationToken);
                    var (read, error) = await StoreLinesAsync(file.Id, section.Body, cancellationToken);
                    if (error is not null)
                    {
                        await store.DiscardAsync(file.Id, CancellationToken.None);
                        return (null, error);
                    }

                    content = read;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or OperationCanceledException or BadHttpRequestException or System.Data.Common.DbException)
        {
            if (file is not null)
            {
                await store.DiscardAsync(file.Id, CancellationToken.None);
            }

            if (ex is System.Data.Common.DbException)
            {
                return (null, ApiErrors.StorageUnavailable());
            }

            if (ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
            {
                return (null, ApiErrors.FileTooLarge(maxBytes));
            }

            if (Api.RequestBodyReader.Unreadable(ex, request.HttpContext, logger) is { } unreadable)
            {
                return (null, unreadable);
            }

            if (ex is OperationCanceledException)
            {
                throw;
            }

            return (null, ApiErrors.NotMultipart());
        }

        if (file is null)
        {
            return (null, ApiErrors.MissingParameter("file"));
        }

        if (purpose != BatchPurpose)
        {
            await store.DiscardAsync(file.Id, CancellationToken.None);
            return (null, purpose is null
                ? ApiErrors.MissingParameter("purpose")
                : ApiErrors.InvalidValue("purpose", $"This gateway takes files for the purpose '{BatchPurpose}' only."));
        }

        await store.CompleteAsync(file.Id, purpose, content.Bytes, content.Lines, content.EndsWithLineFeed, cancellationToken);
        return (file with { Purpose = purpose, Bytes = content.Bytes, Lines = content.Lines }, null);
    }

    /// <summary>
    /// The name a file is listed under: the last path segment the client gave, without control
    /// characters (NUL, CR, LF, …, which would break logs, headers and terminals) or invisible
    /// format characters, at most 255 characters.
    /// </summary>
    public static string SafeName(string name)
    {
        var clean = new string(Path.GetFileName(name).Where(IsKept).ToArray()).Trim();
        if (clean.Length > MaxNameChars)
        {
            // Cut between characters as a reader sees them, never inside a surrogate pair.
            var cut = 0;
            var elements = StringInfo.GetTextElementEnumerator(clean);
            while (elements.MoveNext() && elements.ElementIndex + ((string)elements.Current).Length <= MaxNameChars)
            {
                cut = elements.ElementIndex + ((string)elements.Current).Length;
            }

            clean = clean[..cut];
        }

        return clean.Length == 0 ? "upload.jsonl" : clean;
    }

    /// <summary>
    /// Control characters (NUL, CR, LF…), invisible format characters (direction overrides such as
    /// U+202E, which make a listing show another name than the one stored) and line or paragraph
    /// separators are dropped.
    /// </summary>
    private static bool IsKept(char c) => !char.IsControl(c) && char.GetUnicodeCategory(c) is not
        (UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator);

    /// <summary>Splits the file at line feeds (a carriage return stays part of its line, so the content comes back byte for byte).</summary>
    private async Task<((long Bytes, int Lines, bool EndsWithLineFeed) Read, ApiError? Error)> StoreLinesAsync(string fileId, Stream body, CancellationToken cancellationToken)
    {
        var pipe = PipeReader.Create(body);
        var batch = new List<string>(LinesPerWrite);
        long batchBytes = 0;
        var blank = 0;
        var stored = 0;
        var lines = 0;
        long bytes = 0;
        var scanned = 0L;
        var endsWithLineFeed = false;
        while (true)
        {
            var result = await pipe.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            bytes += buffer.Length;

            // Only what arrived since the last read is searched for line feeds: a long line costs one pass.
            while (buffer.Slice(scanned).PositionOf((byte)'\n') is { } end)
            {
                if (Add(buffer.Slice(0, end)) is { } error)
                {
                    return (default, error);
                }

                buffer = buffer.Slice(buffer.GetPosition(1, end));
                scanned = 0;
                endsWithLineFeed = true;
            }

            scanned = buffer.Length;

            bytes -= buffer.Length;
            if (bytes + buffer.Length > maxBytes)
            {
                return (default, ApiErrors.FileTooLarge(maxBytes));
            }

            if (buffer.Length > maxLineBytes)
            {
                return (default, ApiErrors.FileLineTooLong(stored + batch.Count + 1, maxLineBytes));
            }

            if (result.IsCompleted)
            {
                if (buffer.Length > 0)
                {
                    bytes += buffer.Length;
                    endsWithLineFeed = false;
                    if (Add(buffer) is { } error)
                    {
                        return (default, error);
                    }

                    buffer = buffer.Slice(buffer.End);
                }

                pipe.AdvanceTo(buffer.End);
                break;
            }

            pipe.AdvanceTo(buffer.Start, buffer.End);
            if (batch.Count >= LinesPerWrite || batchBytes >= BytesPerWrite)
            {
                await store.AppendAsync(fileId, stored, batch, cancellationToken);
                stored += batch.Count;
                batch.Clear();
                batchBytes = 0;
            }
        }

        await pipe.CompleteAsync();
        if (batch.Count > 0)
        {
            await store.AppendAsync(fileId, stored, batch, cancellationToken);
        }

        var requests = lines - blank;
        return requests == 0 ? (default, ApiErrors.FileEmpty()) : ((bytes, requests, endsWithLineFeed), null);

        ApiError? Add(ReadOnlySequence<byte> line)
        {
            var number = stored + batch.Count + 1;
            if (line.Length > maxLineBytes)
            {
                return ApiErrors.FileLineTooLong(number, maxLineBytes);
            }

            string text;
            try
            {
                text = StrictUtf8.GetString(line);
            }
            catch (DecoderFallbackException)
            {
                return ApiErrors.FileNotUtf8(number);
            }

            if (text.Contains('\0', StringComparison.Ordinal))
            {
                return ApiErrors.FileHasNul(number);
            }

            batch.Add(text);
            batchBytes += line.Length;

            // Every line counts against the limit, blank ones too: a file of empty lines is no cheaper to store.
            blank += string.IsNullOrWhiteSpace(text) ? 1 : 0;
            return ++lines > maxLines ? ApiErrors.FileHasTooManyLines(maxLines) : null;
        }
    }
}
