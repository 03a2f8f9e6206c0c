using System.ComponentModel.DataAnnotations;

namespace BrokerGateway.Ingress.Files;

/// <summary>Uploaded files (section <c>Files</c>): the limits of one upload.</summary>
internal sealed class FilesOptions
{
    public const string Section = "Files";

    /// <summary>The largest file accepted; a larger upload gets 413.</summary>
    [Range(1024, 2_147_483_648, ErrorMessage = "Files:MaxBytes: must be from 1024 to 2147483648")]
    public long MaxBytes { get; set; } = 200L * 1024 * 1024;

    /// <summary>The most non-blank lines (requests) a file may hold.</summary>
    [Range(1, 10_000_000, ErrorMessage = "Files:MaxLines: must be from 1 to 10000000")]
    public int MaxLines { get; set; } = 50_000;
}
