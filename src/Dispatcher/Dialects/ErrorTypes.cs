namespace BrokerGateway.Dispatcher.Dialects;

/// <summary>OpenAI's error <c>type</c> for an HTTP status, for an upstream error that names none.</summary>
internal static class ErrorTypes
{
    public static string For(int status) => status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        429 => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };
}
