using BrokerGateway.ManifestWatcher;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Tests.ManifestWatcher;

public class ManifestSourceOptionsTests
{
    private static ValidateOptionsResult Validate(ManifestSourceOptions options) =>
        new ManifestSourceOptionsValidator().Validate(null, options);

    [Theory]
    [InlineData(0)]
    [InlineData(86_401)]
    public void Validate_PollSecondsOutOfRange_NamesTheKey(int seconds)
    {
        var result = Validate(new ManifestSourceOptions { PollSeconds = seconds });

        Assert.StartsWith("METIS_POLL_SECONDS:", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnsupportedScheme_NamesTheKey()
    {
        var result = Validate(new ManifestSourceOptions { StatusUrl = "ftp://example.org/status.json" });

        Assert.StartsWith("METIS_STATUS_URL:", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://status.example.org/status.json")]
    [InlineData("/var/www/metis/status.json")]
    [InlineData("relative/status.json")]
    public void Validate_SupportedSources_Pass(string url)
    {
        Assert.True(Validate(new ManifestSourceOptions { StatusUrl = url }).Succeeded);
    }

    [Fact]
    public void SafeDescription_UrlWithCredentialsAndQuery_ShowsNeither()
    {
        var options = new ManifestSourceOptions { StatusUrl = "https://user:secret@status.example.org/status.json?token=abc" };

        Assert.Equal("https://status.example.org/status.json", options.SafeDescription);
    }
}
