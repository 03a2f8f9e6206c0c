using BrokerGateway.Hosting.Configuration;
using Microsoft.Extensions.Configuration;

namespace BrokerGateway.Tests.Hosting;

public class DotEnvConfigurationTests
{
    [Fact]
    public void AddDotEnvFile_SeedStyleFile_ValuesReachConfigurationIncludingMultiLineJson()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, """
            # URL to your status manifest
            METIS_STATUS_URL="http://your-server:8055/status.json"
            METIS_API_TOKENS='{
              "openai-production": "sk-proj-abc123",
              "anthropic-production": "sk-ant-xyz789"
            }'
            """);
        var configuration = new ConfigurationManager();

        configuration.AddDotEnvFile(path);

        Assert.Equal("http://your-server:8055/status.json", configuration["METIS_STATUS_URL"]);
        Assert.Contains("\"anthropic-production\": \"sk-ant-xyz789\"", configuration["METIS_API_TOKENS"], StringComparison.Ordinal);
        File.Delete(path);
    }

    [Fact]
    public void AddDotEnvFile_EnvironmentVariableSetToo_EnvironmentWins()
    {
        var path = Path.GetTempFileName();
        var name = "BG_TEST_" + Guid.NewGuid().ToString("N");
        File.WriteAllText(path, $"{name}=from-file\n");
        Environment.SetEnvironmentVariable(name, "from-environment");
        var configuration = new ConfigurationManager();
        configuration.AddEnvironmentVariables();

        configuration.AddDotEnvFile(path);

        Assert.Equal("from-environment", configuration[name]);
        Environment.SetEnvironmentVariable(name, null);
        File.Delete(path);
    }

    [Fact]
    public void AddDotEnvFile_NoFile_ChangesNothing()
    {
        var configuration = new ConfigurationManager();

        configuration.AddDotEnvFile(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")));

        Assert.Empty(configuration.AsEnumerable());
    }

    [Fact]
    public void AddDotEnvFile_DoubleUnderscoreKey_MapsToASection()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "Auth__Jwt__Audience=from-dotenv\n");
        var configuration = new ConfigurationManager();

        Assert.Null(configuration.AddDotEnvFile(path));

        Assert.Equal("from-dotenv", configuration["Auth:Jwt:Audience"]);
        File.Delete(path);
    }

    [Fact]
    public void AddDotEnvFile_UnclosedQuote_ReportsTheFileWithoutItsContent()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "METIS_API_TOKENS='{\"openai-production\": \"sk-secret-in-dotenv\"}\nOTHER=1\n");
        var configuration = new ConfigurationManager();

        var error = configuration.AddDotEnvFile(path);

        Assert.NotNull(error);
        Assert.StartsWith(".env:", error, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-secret", error, StringComparison.Ordinal);
        File.Delete(path);
    }
}
