using System.Text.Json.Serialization;
using BrokerGateway.Ingress.Auth;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.FairShare;

/// <summary>
/// <c>GET /v1/fairshare</c>, like Slurm's <c>sshare</c>: each account's share, decayed usage and
/// fair-share factor, and its users' standing within it, first in line first. Members of
/// <c>Auth:AdminGroups</c> see every account and user; everyone else the accounts they may charge,
/// with only themselves among the users.
/// </summary>
internal static class FairShareApi
{
    public static IEndpointRouteBuilder MapFairShare(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/fairshare", ReportAsync).RequireAuthorization();
        routes.MapGet("/resource_server/fairshare", ReportAsync).RequireAuthorization();
        return routes;
    }

    private static async Task<IResult> ReportAsync(
        HttpContext context, IServiceProvider services, AdminGroups admins, IOptions<FairShareOptions> options, IOptions<JwtOptions> jwt, CancellationToken cancellationToken)
    {
        var o = options.Value;
        context.Response.Headers.CacheControl = "no-store";
        if (services.GetService<FairShareState>() is not { } state)
        {
            return Results.Json(new FairShareReport("fairshare", false, Unit(o), o.HalfLifeMinutes, null, []), FairShareJson.Gateway.FairShareReport);
        }

        var caller = CallerIdentity.From(context.User, jwt.Value.GroupsClaim);
        var standing = state.Standing.At == DateTimeOffset.UnixEpoch ? await state.RefreshAsync(cancellationToken) : state.Standing;
        IEnumerable<FairShareAccount> accounts;
        if (admins.Includes(caller))
        {
            accounts = standing.Accounts.Select(a => Account(a, a.Users));
        }
        else
        {
            var own = caller.Groups.Count > 0 ? caller.Groups : [AccountSelector.OwnAccount(caller.Subject)];
            var totalShares = standing.Accounts.Sum(a => a.Shares);
            accounts = own
                .Select(name => standing.Find(name) is { } found
                    ? Account(found, found.Users.Where(u => u.User == caller.Subject))
                    : Unused(name, o.ShareOf(name), totalShares, standing.NewAccountPriority))
                .OrderByDescending(a => a.FairShare);
        }

        return Results.Json(new FairShareReport("fairshare", true, Unit(o), o.HalfLifeMinutes, standing.At, accounts.ToArray()), FairShareJson.Gateway.FairShareReport);
    }

    private static string Unit(FairShareOptions options) => options.UsageUnit == FairShareUnit.Seconds ? "seconds" : "tokens";

    private static FairShareAccount Account(AccountStanding a, IEnumerable<UserStanding> users) => new(
        a.Account, a.Shares, a.NormShares, a.Usage, a.NormUsage, a.FairShare, a.NewUserPriority,
        users.Select(u => new FairShareUser(u.User, u.Usage, u.FairShare, u.Priority)).ToArray());

    /// <summary>An account the caller may charge that has no share configured and has used nothing yet: it would count with its share beside the others.</summary>
    private static FairShareAccount Unused(string name, double share, double totalShares, byte priority) =>
        new(name, share, share / (totalShares + share), 0, 0, 1, priority, []);

    public sealed record FairShareReport(
        [property: JsonPropertyName("object")] string Kind,
        [property: JsonPropertyName("enabled")] bool Enabled,
        [property: JsonPropertyName("usage_unit")] string UsageUnit,
        [property: JsonPropertyName("half_life_minutes")] double HalfLifeMinutes,
        [property: JsonPropertyName("computed_at")] DateTimeOffset? ComputedAt,
        [property: JsonPropertyName("data")] IReadOnlyList<FairShareAccount> Data);

    public sealed record FairShareAccount(
        [property: JsonPropertyName("account")] string Account,
        [property: JsonPropertyName("shares")] double Shares,
        [property: JsonPropertyName("norm_shares")] double NormShares,
        [property: JsonPropertyName("usage")] double Usage,
        [property: JsonPropertyName("norm_usage")] double NormUsage,
        [property: JsonPropertyName("fairshare")] double FairShare,
        [property: JsonPropertyName("new_user_priority")] int NewUserPriority,
        [property: JsonPropertyName("users")] IReadOnlyList<FairShareUser> Users);

    public sealed record FairShareUser(
        [property: JsonPropertyName("user")] string User,
        [property: JsonPropertyName("usage")] double Usage,
        [property: JsonPropertyName("fairshare")] double FairShare,
        [property: JsonPropertyName("priority")] int Priority);
}
