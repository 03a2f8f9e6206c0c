using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.FairShare;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Tests.Ingress.FairShare;

public class AccountSelectorTests
{
    private static readonly AccountSelector Selector = new(Options.Create(new FairShareOptions { Shares = new() { ["proj-b"] = 2 } }));

    private static CallerIdentity Caller(params string[] groups) => new("ann", groups, "jwt");

    [Fact]
    public void Select_AGroupOfItsOwnNamed_IsCharged() =>
        Assert.Equal(("proj-c", null), Selector.Select(Caller("proj-a", "proj-b", "proj-c"), "proj-c"));

    [Fact]
    public void Select_AGroupNotItsOwnNamed_Is403AccountNotAllowed()
    {
        var (account, error) = Selector.Select(Caller("proj-a"), "proj-b");

        Assert.Null(account);
        Assert.Equal((403, "account_not_allowed"), (error!.Status, error.Code));
    }

    [Theory]
    [InlineData("")]
    [InlineData("proj\u0001a")]
    public void Select_AnEmptyOrControlHeader_Is400InvalidHeader(string header)
    {
        var (_, error) = Selector.Select(Caller("proj-a"), header);

        Assert.Equal((400, "invalid_header"), (error!.Status, error.Code));
    }

    [Fact]
    public void Select_NoneNamed_TheFirstGroupWithAShare() =>
        Assert.Equal("proj-b", Selector.Select(Caller("proj-a", "proj-b"), null).Account);

    [Fact]
    public void Select_NoneNamedAndNoGroupWithAShare_TheFirstGroup() =>
        Assert.Equal("proj-x", Selector.Select(Caller("proj-x", "proj-y"), null).Account);

    [Fact]
    public void Select_NoGroupsAtAll_AnAccountOfItsOwn() =>
        Assert.Equal("user:ann", Selector.Select(Caller(), null).Account);
}
