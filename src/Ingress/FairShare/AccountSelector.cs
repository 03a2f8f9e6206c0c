using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.FairShare;

/// <summary>
/// The account a request is charged to, like <c>sbatch --account</c>: the group the caller names
/// in <c>x-gateway-account</c>, which must be one of its own (403 otherwise); without it, the first
/// of its groups that has a configured share, else its first group. A caller with no group at all
/// is an account of its own, named after it (<c>user:alice</c>).
/// </summary>
internal sealed class AccountSelector(IOptions<FairShareOptions> options)
{
    /// <summary>The longest account name a header may give (a group name, not a document).</summary>
    public const int MaxLength = 256;

    public (string? Account, ApiError? Error) Select(CallerIdentity caller, string? requested)
    {
        if (requested is not null)
        {
            if (requested.Length is 0 or > MaxLength || requested.Any(char.IsControl))
            {
                return (null, ApiErrors.InvalidHeader(FairShareOptions.AccountHeader, "the name of one of your groups"));
            }

            return caller.Groups.Contains(requested, StringComparer.Ordinal)
                ? (requested, null)
                : (null, ApiErrors.AccountNotYours(requested));
        }

        var shares = options.Value.Shares;
        foreach (var group in caller.Groups)
        {
            if (shares.ContainsKey(group))
            {
                return (group, null);
            }
        }

        return (caller.Groups.Count > 0 ? caller.Groups[0] : OwnAccount(caller.Subject), null);
    }

    /// <summary>The account of a caller that belongs to no group.</summary>
    public static string OwnAccount(string subject) => "user:" + subject;
}
