using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ata.Lab;

/// <summary>A SIP OPTIONS ping over UDP: proves a SIP peer is listening and answering.</summary>
public static class SipProbe
{
    /// <summary>Sends one OPTIONS to <paramref name="peer"/> and waits for any SIP response.</summary>
    /// <param name="peer">The peer's UDP address.</param>
    /// <param name="timeout">How long to wait for the response.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The response's status code, or null when none came in time.</returns>
    public static async Task<int?> OptionsAsync(IPEndPoint peer, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var local = (IPEndPoint)socket.Client.LocalEndPoint!;
        var id = Guid.NewGuid().ToString("N");
        var request =
            $"OPTIONS sip:{peer} SIP/2.0\r\n" +
            $"Via: SIP/2.0/UDP {local};branch=z9hG4bK{id};rport\r\n" +
            "Max-Forwards: 70\r\n" +
            $"From: <sip:probe@{local}>;tag={id[..8]}\r\n" +
            $"To: <sip:{peer}>\r\n" +
            $"Call-ID: {id}@ata.lab\r\n" +
            "CSeq: 1 OPTIONS\r\n" +
            "Content-Length: 0\r\n\r\n";
        var bytes = Encoding.ASCII.GetBytes(request);
        try
        {
            await socket.SendAsync(bytes, peer, cancellationToken).ConfigureAwait(false);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            var response = await socket.ReceiveAsync(deadline.Token).ConfigureAwait(false);
            return StatusCodeOf(Encoding.UTF8.GetString(response.Buffer));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (SocketException)
        {
            // ICMP port unreachable surfaces here: nobody listens yet.
            return null;
        }
    }

    /// <summary>The status code of a SIP response's first line, or null when it is not a response.</summary>
    /// <param name="message">The message text.</param>
    public static int? StatusCodeOf(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var parts = message.Split(' ', 3);
        return parts.Length >= 2 && parts[0] == "SIP/2.0"
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : null;
    }
}
