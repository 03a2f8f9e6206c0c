using System.Globalization;

namespace BrokerGateway.Bench;

/// <summary>Command-line settings: <c>--requests-c1 N --requests-c32 N --warmup N --modes direct,standalone,rabbitmq,healthy-pair,flaky-pair,standalone-bare,standalone-quotas</c>.</summary>
public sealed record BenchOptions(int RequestsAtOne, int RequestsAtThirtyTwo, int Warmup, IReadOnlyList<string> Modes)
{
    public static BenchOptions Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Number(string name, int fallback) => Value(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
        return new BenchOptions(
            Number("--requests-c1", 5000),
            Number("--requests-c32", 30000),
            Number("--warmup", 2000),
            (Value("--modes") ?? "direct,standalone,rabbitmq,healthy-pair,flaky-pair,standalone-bare,standalone-quotas").Split(',', StringSplitOptions.RemoveEmptyEntries));
    }
}
