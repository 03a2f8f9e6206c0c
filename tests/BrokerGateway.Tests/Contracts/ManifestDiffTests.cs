using BrokerGateway.Contracts.Manifest;

namespace BrokerGateway.Tests.Contracts;

public class ManifestDiffTests
{
    private static ManifestEntry Entry(string name, EndpointStatus status = EndpointStatus.Live, params string[] experts) =>
        new(name, status, "M", "D", experts.Length == 0 ? ["m"] : experts, "http://h/v1", name);

    [Fact]
    public void Between_EqualManifestsBuiltSeparately_IsEmpty()
    {
        var before = new StatusManifest([Entry("a"), Entry("b")]);
        var after = new StatusManifest([Entry("a"), Entry("b")]);

        Assert.True(ManifestDiff.Between(before, after).IsEmpty);
    }

    [Fact]
    public void Between_StatusOrExpertsChanged_ReportsTheEntryAsChanged()
    {
        var before = new StatusManifest([Entry("a"), Entry("b")]);
        var after = new StatusManifest([Entry("a", EndpointStatus.Maintenance), Entry("b", EndpointStatus.Live, "m", "n")]);

        Assert.Equal(["a", "b"], ManifestDiff.Between(before, after).Changed);
    }

    [Fact]
    public void Between_AddedAndRemovedEntries_AreReported()
    {
        var diff = ManifestDiff.Between(new StatusManifest([Entry("a")]), new StatusManifest([Entry("b")]));

        Assert.Equal(["b"], diff.Added);
        Assert.Equal(["a"], diff.Removed);
        Assert.False(diff.IsEmpty);
    }

    [Fact]
    public void Between_NoPreviousManifest_ReportsEverythingAdded()
    {
        Assert.Equal(["a"], ManifestDiff.Between(null, new StatusManifest([Entry("a")])).Added);
    }
}
