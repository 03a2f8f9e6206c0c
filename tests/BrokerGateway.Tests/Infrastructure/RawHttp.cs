using System.Net.Sockets;
using System.Text;

namespace BrokerGateway.Tests.Infrastructure;

/// <summary>HTTP/1.1 written by hand over a socket, for what no well-behaved client sends: broken framing, bodies cut short or sent slowly.</summary>
public static class RawHttp
{
    /// <summary>The request head for a POST with the test token; <paramref name="framing"/> is its Content-Length or Transfer-Encoding line.</summary>
    public static string Head(string path, string framing) =>
        $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TestTokens.Issue()}\r\nContent-Type: application/json\r\n{framing}\r\n\r\n";

    /// <summary>Sends the bytes, half-closes the sending side, and reads what comes back until the server closes (or <paramref name="timeout"/>).</summary>
    public static async Task<string> ExchangeAsync(Uri server, string request, TimeSpan? timeout = null)
    {
        using var socket = await ConnectAsync(server);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        return await ReadAllAsync(socket, timeout ?? TimeSpan.FromSeconds(20));
    }

    /// <summary>Sends the head, then the body a few bytes at a time with a pause between, and reads the answer.</summary>
    public static async Task<string> TrickleAsync(Uri server, string head, string body, int bytesPerStep, TimeSpan pause, TimeSpan timeout)
    {
        using var socket = await ConnectAsync(server);
        await socket.SendAsync(Encoding.ASCII.GetBytes(head));
        var reading = ReadAllAsync(socket, timeout);
        var bytes = Encoding.ASCII.GetBytes(body);
        for (var i = 0; i < bytes.Length && !reading.IsCompleted; i += bytesPerStep)
        {
            try
            {
                await socket.SendAsync(bytes.AsMemory(i, Math.Min(bytesPerStep, bytes.Length - i)));
            }
            catch (SocketException)
            {
                break;
            }

            await Task.WhenAny(reading, Task.Delay(pause));
        }

        return await reading;
    }

    /// <summary>Sends the head and part of the body, then closes the connection: a client that went away mid-body.</summary>
    public static async Task AbandonAsync(Uri server, string head, string partOfBody)
    {
        using var socket = await ConnectAsync(server);
        await socket.SendAsync(Encoding.ASCII.GetBytes(head + partOfBody));
        socket.Close();
    }

    public static int Status(string response) =>
        response.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) ? int.Parse(response.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture) : 0;

    private static async Task<Socket> ConnectAsync(Uri server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.Host, server.Port);
        return socket;
    }

    private static async Task<string> ReadAllAsync(Socket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var text = new StringBuilder();
        var buffer = new byte[8192];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
            {
                text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
            // The answer is what came before the server closed or the time ran out.
        }

        return text.ToString();
    }
}
