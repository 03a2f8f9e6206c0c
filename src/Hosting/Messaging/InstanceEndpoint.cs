namespace BrokerGateway.Hosting.Messaging;

/// <summary>
/// The address of this process's own queue, where answers and cancellations meant for this
/// process alone are sent (fan-out events arrive there too). Known once the bus is configured.
/// </summary>
public sealed class InstanceEndpoint
{
    private Uri? _address;

    public Uri Address => _address ?? throw new InvalidOperationException("The bus has not been configured yet");

    public bool IsSet => _address is not null;

    internal void Set(Uri address) => _address = address;
}
