namespace BrokerGateway.Ingress.Auth;

/// <summary>The introspection server could not answer; the caller gets 503 and the next request asks again.</summary>
internal sealed class IntrospectionUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
