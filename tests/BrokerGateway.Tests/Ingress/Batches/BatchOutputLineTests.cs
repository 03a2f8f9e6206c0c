using System.Text.Json;
using BrokerGateway.Ingress.Batches;

namespace BrokerGateway.Tests.Ingress.Batches;

/// <summary>An output line carries the upstream's body as it came, however deep the body is nested.</summary>
public class BatchOutputLineTests
{
    [Fact]
    public void ABodyAsDeepAsJsonFromOutsideMayBe_IsWrittenInsideTheLine()
    {
        // 64 levels: the most JsonDocument reads by default, so the most a stored body can have.
        var body = new string('[', 64) + new string(']', 64);
        var line = new BatchOutputLine("batch_req_1_1", "req-1", new BatchLineResponse(200, "r1", BatchesJson.Parse(body)), null);

        var written = JsonSerializer.Serialize(line, BatchesJson.Gateway.BatchOutputLine);

        Assert.Equal($$"""{"id":"batch_req_1_1","custom_id":"req-1","response":{"status_code":200,"request_id":"r1","body":{{body}}},"error":null}""", written);
    }
}
