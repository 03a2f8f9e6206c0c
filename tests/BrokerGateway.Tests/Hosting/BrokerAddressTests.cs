using BrokerGateway.Hosting.Messaging;

namespace BrokerGateway.Tests.Hosting;

public class BrokerAddressTests
{
    [Fact]
    public void TryParse_OneUrl_IsOneNodeWithItsPortOrTheDefault()
    {
        Assert.True(BrokerAddress.TryParse("amqp://guest:guest@rabbit:5673/gw", out var one));
        Assert.Equal([new BrokerNode("rabbit", 5673)], one.Nodes);
        Assert.False(one.IsCluster);

        Assert.True(BrokerAddress.TryParse("amqps://u:p@rabbit/gw", out var tls));
        Assert.Equal([new BrokerNode("rabbit", 5671)], tls.Nodes);
        Assert.True(tls.Endpoints()[0].Ssl.Enabled);
    }

    [Fact]
    public void TryParse_SeveralNodes_TakesCredentialsAndVirtualHostFromTheFirst()
    {
        Assert.True(BrokerAddress.TryParse("amqp://gw:secret@rabbit-1:5672/gateway, amqp://rabbit-2, amqp://gw:secret@rabbit-3:5673/gateway", out var cluster));

        Assert.Equal([new("rabbit-1", 5672), new("rabbit-2", 5672), new BrokerNode("rabbit-3", 5673)], cluster.Nodes);
        Assert.True(cluster.IsCluster);
        Assert.Equal("gw:secret", cluster.Url.UserInfo);
        Assert.Equal("/gateway", cluster.Url.AbsolutePath);
        Assert.Equal(["rabbit-1:5672", "rabbit-2:5672", "rabbit-3:5673"], cluster.Endpoints().Select(e => $"{e.HostName}:{e.Port}"));
        Assert.Equal("amqp://rabbit-1:5672,rabbit-2:5672,rabbit-3:5673/gateway", cluster.ToString());
        Assert.DoesNotContain("secret", $"{cluster}", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("http://rabbit:5672/")]
    [InlineData("amqp://gw:secret@rabbit-1/gateway,")]
    [InlineData("amqp://gw:secret@rabbit-1/gateway,amqps://rabbit-2")]
    [InlineData("amqp://gw:secret@rabbit-1/gateway,amqp://other:secret@rabbit-2")]
    [InlineData("amqp://gw:secret@rabbit-1/gateway,amqp://rabbit-2/elsewhere")]
    [InlineData("amqp://gw:secret@rabbit-1/gateway/extra")]
    public void TryParse_NotOneBrokerOrCluster_IsRefused(string text) =>
        Assert.False(BrokerAddress.TryParse(text, out _));
}
