using BrokerGateway.Contracts.Messages;

namespace BrokerGateway.Ingress.Errors;

/// <summary>
/// The gateway's error taxonomy in one place: each failure a caller can meet, with its status,
/// OpenAI error type and code. Upstream failure 502, upstream timeout 504, no capacity 503.
/// </summary>
internal static class ApiErrors
{
    private const string InvalidRequest = "invalid_request_error";
    private const string Authentication = "authentication_error";
    private const string Upstream = "upstream_error";
    private const string Unavailable = "service_unavailable_error";
    private const string Timeout = "timeout_error";
    private const string Server = "server_error";

    public static ApiError InvalidJson() =>
        new(400, InvalidRequest, "invalid_json", "We could not parse the JSON body of your request. The body must be a JSON object.");

    public static ApiError InvalidEncoding() =>
        new(400, InvalidRequest, "invalid_encoding", "The request body is not valid UTF-8.");

    public static ApiError MissingParameter(string param) =>
        new(400, InvalidRequest, "missing_required_parameter", $"Missing required parameter: '{param}'.", param);

    public static ApiError InvalidType(string param, string expected) =>
        new(400, InvalidRequest, "invalid_type", $"Invalid type for '{param}': expected {expected}.", param);

    public static ApiError InvalidValue(string param, string message) =>
        new(400, InvalidRequest, "invalid_value", message, param);

    public static ApiError InvalidHeader(string header, string expected) =>
        new(400, InvalidRequest, "invalid_header", $"The header '{header}' must be {expected}.", header);

    public static ApiError StreamingUnsupported() =>
        new(400, InvalidRequest, "unsupported_parameter", "Embeddings cannot be streamed: send \"stream\": false or leave it out.", "stream");

    /// <summary>A body whose framing could not be read: malformed chunks, cut short (400), or arriving too slowly (408).</summary>
    public static ApiError UnreadableBody(int status, string reason) =>
        new(status is >= 400 and < 500 ? status : 400, InvalidRequest, status == 408 ? "request_timeout" : "bad_request", $"The request body could not be read: {reason.TrimEnd('.')}.");

    /// <summary>What the usage row and the logs call a request whose caller went away before it was answered (nginx's 499).</summary>
    public static ApiError ClientClosedRequest() =>
        new(499, InvalidRequest, "client_closed_request", "The client closed the connection before the request was answered.");

    public static ApiError BodyTooLarge(long limit) =>
        new(413, InvalidRequest, "request_too_large", $"The request body is larger than the gateway's limit of {limit} bytes.");

    public static ApiError MissingToken() =>
        new(401, Authentication, "invalid_api_key", "Missing bearer token: send the header 'Authorization: Bearer <token>'.");

    public static ApiError InvalidToken(string reason) =>
        new(401, Authentication, "invalid_api_key", $"Invalid bearer token: {reason}.");

    public static ApiError AuthUnavailable() =>
        new(503, "service_unavailable_error", "auth_unavailable", "The gateway cannot validate tokens right now: its introspection server is unavailable. Try again shortly.", null, 5);

    public static ApiError GroupNotAllowed() =>
        new(403, "permission_error", "group_not_allowed", "You are not a member of any group allowed to use this gateway.");

    public static ApiError ModelAccessDenied(string model) =>
        new(403, "permission_error", "model_access_denied", $"You are not a member of any group allowed to use the model '{model}'.", "model");

    public static ApiError UsageOfOthers() =>
        new(403, "permission_error", "usage_access_denied", "Only members of the gateway's admin groups may see other users' or groups' usage.");

    /// <summary>A caller named, in <c>x-gateway-account</c>, a group it does not belong to.</summary>
    public static ApiError AccountNotYours(string account) =>
        new(403, "permission_error", "account_not_allowed", $"You are not a member of '{account}', so you cannot charge your requests to it (x-gateway-account).", "x-gateway-account");

    public static ApiError AdminsOnly() =>
        new(403, "permission_error", "admin_only", "Only members of the gateway's admin groups (Auth:AdminGroups) may see the dashboard.");

    public static ApiError RateLimited(string limit, int retryAfterSeconds) =>
        new(429, "rate_limit_error", "rate_limit_exceeded", $"Rate limit reached: {limit}. Try again in {retryAfterSeconds} s.", null, retryAfterSeconds);

    public static ApiError BudgetExhausted(string budget, DateTimeOffset resetsAt, int retryAfterSeconds) =>
        new(429, "insufficient_quota", "insufficient_quota",
            $"You have used up {budget}; it resets at {resetsAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)}.", null, retryAfterSeconds);

    public static ApiError RouteNotFound(string method, string path) =>
        new(404, InvalidRequest, "unknown_url", $"Unknown request URL: {method} {path}.");

    public static ApiError MethodNotAllowed(string method, string path) =>
        new(405, InvalidRequest, "method_not_allowed", $"Method {method} is not allowed for {path}.");

    public static ApiError ModelNotFound(string model, IReadOnlyList<string> available) =>
        new(404, InvalidRequest, "model_not_found",
            $"The model '{model}' does not exist or is not served here. Available models: {(available.Count == 0 ? "none" : string.Join(", ", available))}.",
            "model");

    public static ApiError ModelUnderMaintenance(string model) =>
        new(503, Unavailable, "model_under_maintenance", $"The model '{model}' is under maintenance; try again later.", "model", 300);

    public static ApiError ModelOffline(string model) =>
        new(503, Unavailable, "model_offline", $"The model '{model}' is offline.", "model");

    public static ApiError NoHealthyEndpoint(string model, int retryAfterSeconds) =>
        new(503, Unavailable, "no_healthy_endpoint",
            $"Every endpoint of model '{model}' is cooling down after failures; the first comes back in {retryAfterSeconds} s.", "model", retryAfterSeconds);

    public static ApiError NotAccepted(string endpointId, int seconds) =>
        new(503, Unavailable, "no_dispatcher", $"No dispatcher of endpoint '{endpointId}' took the request within {seconds} s.", null, 5);

    public static ApiError NotConsumed(string endpointId) =>
        new(503, Unavailable, "no_dispatcher", $"No dispatcher consumes the queue of endpoint '{endpointId}' any more; the request had not been sent upstream.", null, 5);

    public static ApiError DispatcherLost(string endpointId) =>
        new(503, Unavailable, "dispatcher_lost",
            $"The dispatcher handling the request for endpoint '{endpointId}' went away before answering, and no other took it over; the upstream may have received it.", null, 5);

    /// <summary>The endpoint's queue holds as many waiting requests as its bound allows: refused at once, not after a wait.</summary>
    public static ApiError QueueFull(string endpointId) =>
        new(503, Unavailable, "queue_full", $"The queue of endpoint '{endpointId}' is full: too many requests are waiting for it. Try again shortly.", null, 2);

    public static ApiError AttemptTimedOut(string endpointId, int seconds) =>
        new(504, Timeout, "upstream_timeout", $"The upstream of endpoint '{endpointId}' did not answer within the attempt timeout of {seconds} s.");

    public static ApiError NoDispatcher(string model, IEnumerable<string> endpointIds) =>
        new(503, Unavailable, "no_dispatcher",
            $"No dispatcher serves the endpoints of model '{model}' ({string.Join(", ", endpointIds)}): an operator must run a dispatcher holding their keys.",
            "model", 30);

    public static ApiError ManifestNotLoaded() =>
        new(503, Unavailable, "manifest_unavailable", "The gateway has not loaded a status manifest yet; try again shortly.", null, 5);

    public static ApiError GatewayTimeout(TimeSpan deadline) =>
        new(504, Timeout, "gateway_timeout", $"No answer within the request's deadline of {deadline.TotalSeconds:0.###} s.");

    public static ApiError GatewayStopping() =>
        new(503, Unavailable, "gateway_stopping", "This gateway replica is stopping and could not finish the request in its grace; send it again.", null, 1);

    public static ApiError BrokerUnavailable() =>
        new(503, Unavailable, "broker_unavailable", "The gateway could not queue the request: its message broker is unavailable. Try again shortly.", null, 5);

    public static ApiError StreamBrokenOff(string endpointId, string? detail) =>
        new(502, Upstream, "stream_interrupted", $"The stream from endpoint '{endpointId}' broke off: {detail ?? "no reason given"}.");

    public static ApiError StreamIdle(int seconds) =>
        new(504, Timeout, "stream_idle_timeout", $"The stream sent nothing for {seconds} s and was ended.");

    public static ApiError StreamDeadline(TimeSpan deadline) =>
        new(504, Timeout, "stream_timeout", $"The stream reached its deadline of {deadline.TotalSeconds:0.###} s and was ended.");

    public static ApiError StreamBacklog(long maxBytes) =>
        new(503, Unavailable, "stream_backlog_exceeded", $"The client read the stream too slowly: more than {maxBytes} bytes were waiting, so the stream was ended.");

    public static ApiError FileNotFound(string fileId) =>
        new(404, InvalidRequest, "file_not_found", $"No such File object: {fileId}.", "file_id");

    public static ApiError NotMultipart() =>
        new(400, InvalidRequest, "invalid_request", "A file is uploaded as multipart/form-data with the fields 'file' and 'purpose'.");

    public static ApiError FileTooLarge(long limit) =>
        new(413, InvalidRequest, "file_too_large", $"The file is larger than the gateway's limit of {limit} bytes.", "file");

    public static ApiError FileHasTooManyLines(int limit) =>
        new(400, InvalidRequest, "file_too_many_lines", $"The file has more than the gateway's limit of {limit} lines.", "file");

    public static ApiError FileLineTooLong(int line, long limit) =>
        new(400, InvalidRequest, "file_line_too_long", $"Line {line} of the file is longer than the gateway's limit of {limit} bytes.", "file");

    public static ApiError FileNotUtf8(int line) =>
        new(400, InvalidRequest, "invalid_encoding", $"Line {line} of the file is not valid UTF-8.", "file");

    public static ApiError StorageUnavailable() =>
        new(503, Unavailable, "storage_unavailable", "The gateway's database could not take the file; try again shortly.", null, 5);

    public static ApiError FileHasNul(int line) =>
        new(400, InvalidRequest, "invalid_value", $"Line {line} of the file holds a NUL character, which the gateway does not store.", "file");

    public static ApiError FileEmpty() =>
        new(400, InvalidRequest, "invalid_value", "The file is empty.", "file");

    public static ApiError BatchNotFound(string batchId) =>
        new(404, InvalidRequest, "batch_not_found", $"No such Batch object: {batchId}.", "batch_id");

    public static ApiError BatchNotCancellable(string batchId, string status) =>
        new(409, InvalidRequest, "batch_not_cancellable", $"Batch {batchId} cannot be cancelled: its status is '{status}'.");

    public static ApiError TooManyBatches(int limit) =>
        new(429, "rate_limit_error", "batch_limit_reached", $"You have {limit} unfinished batches, the gateway's limit; wait for one to finish or cancel one.", null, 60);

    /// <summary>A response id the gateway has no record of for this caller: never made here, made for someone else, or not stored.</summary>
    /// <param name="storesNone">The model's endpoints have no Responses API of their own: the gateway translates each request and no response is stored.</param>
    public static ApiError ResponseNotFound(string responseId, bool asPreviousResponse, bool storesNone = false) => asPreviousResponse
        ? new(400, InvalidRequest, "previous_response_not_found", storesNone
            ? $"Previous response with id '{responseId}' not found: this model's endpoints have no Responses API of their own, so the gateway translates each request to chat completions and stores no response to continue from; send the whole conversation in 'input' instead."
            : $"Previous response with id '{responseId}' not found: the gateway knows no stored response of yours by that id, so it cannot tell which endpoint holds it.", "previous_response_id")
        : new(404, InvalidRequest, "response_not_found", $"No response of yours with id '{responseId}' is stored through this gateway.");

    /// <summary>A follow-up that names another model than the one whose endpoint holds the response.</summary>
    public static ApiError ResponseOfOtherModel(string responseId, string endpointId, string model) =>
        new(400, InvalidRequest, "invalid_value",
            $"Response '{responseId}' is stored at endpoint '{endpointId}', which does not serve the model '{model}'; continue it with the model it was made with.", "model");

    /// <summary>The endpoint that holds a stored response is no longer in the manifest: nothing else has the response.</summary>
    public static ApiError ResponseEndpointGone(string responseId, string endpointId) =>
        new(404, InvalidRequest, "response_not_found",
            $"Response '{responseId}' is stored at endpoint '{endpointId}', which is no longer in the gateway's manifest.");

    public static ApiError Internal() =>
        new(500, Server, "internal_error", "The gateway failed to handle the request. It has been logged.");

    /// <summary>Maps a dispatcher's answer that is not a success to what the caller sees.</summary>
    public static ApiError FromResult(CompletionResult result) => result.Outcome switch
    {
        CompletionOutcome.Unreachable => new(502, Upstream, "upstream_unreachable",
            $"The upstream of endpoint '{result.EndpointId}' could not be reached: {result.Detail}."),
        CompletionOutcome.TimedOut => new(504, Timeout, "upstream_timeout",
            $"The upstream of endpoint '{result.EndpointId}' did not answer in time: {result.Detail}."),
        CompletionOutcome.NotServed => new(503, Unavailable, "no_dispatcher",
            $"Endpoint '{result.EndpointId}' cannot be served: {result.Detail}.", null, 30),
        // The upstream refused the gateway's own key: not the caller's fault, and its message may quote part of that key.
        _ when result.StatusCode is 401 or 403 => new(502, Upstream, "upstream_auth_failed",
            $"The upstream of endpoint '{result.EndpointId}' refused the gateway's credentials (HTTP {result.StatusCode}); an operator must check the endpoint's key."),
        _ => result.StatusCode >= 500 || result.StatusCode < 400
            ? new(502, Upstream, "upstream_error", $"The upstream of endpoint '{result.EndpointId}' failed with HTTP {result.StatusCode}.")
            : new(result.StatusCode, InvalidRequest, "upstream_error",
                $"The upstream of endpoint '{result.EndpointId}' refused the request with HTTP {result.StatusCode}: {Snippet(result.Body)}"),
    };

    private static string Snippet(string body)
    {
        var text = body.ReplaceLineEndings(" ").Trim();
        return text.Length <= 200 ? text : text[..200] + "…";
    }
}
