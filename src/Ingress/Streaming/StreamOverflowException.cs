namespace BrokerGateway.Ingress.Streaming;

/// <summary>A stream held more unwritten event text than its bound: the caller reads too slowly.</summary>
internal sealed class StreamOverflowException(long maxBytes)
    : Exception($"The stream held more than {maxBytes} bytes that the caller had not read yet.")
{
}
