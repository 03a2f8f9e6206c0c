namespace BrokerGateway.Ingress.Api;

/// <summary>Gives every request an id, returned in <c>x-request-id</c> on every answer — errors included — and carried to the dispatcher.</summary>
internal static class RequestIdMiddleware
{
    public const string Header = "x-request-id";
    private static readonly object Key = new();

    public static IApplicationBuilder UseRequestIds(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var id = Guid.NewGuid();
            context.Items[Key] = id;
            context.Response.Headers[Header] = id.ToString("N");
            return next(context);
        });

    public static Guid RequestId(this HttpContext context) =>
        context.Items.TryGetValue(Key, out var id) && id is Guid guid ? guid : Guid.NewGuid();
}
