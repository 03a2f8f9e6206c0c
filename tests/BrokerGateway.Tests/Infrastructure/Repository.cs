namespace BrokerGateway.Tests.Infrastructure;

/// <summary>The repository the tests run from: the folder above the test's own that holds <c>BrokerGateway.sln</c>.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BrokerGateway.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("BrokerGateway.sln not found above " + AppContext.BaseDirectory);
    }
}
