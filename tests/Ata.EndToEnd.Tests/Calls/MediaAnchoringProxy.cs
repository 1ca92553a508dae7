using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Ata.EndToEnd.Tests.Calls;

/// <summary>
/// A phone's outbound proxy that anchors its calls' media in a <see cref="LossyMediaRelay"/>, as an
/// operator's session border controller does: it passes every datagram between the phone (A) and the
/// registrar unchanged but for the SDP, whose audio port it points at the relay (A's offer at the
/// port B sends to, the far end's answer at the port A sends to), and the Route the phone preloads
/// to it, which it uses up. Answers reach it because the phone asks for them at the address they came
/// from (<c>rport</c>); requests the far end sends in the dialog go straight to the phone's contact.
/// </summary>
public sealed partial class MediaAnchoringProxy : IDisposable
{
    private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly IPEndPoint _registrar;
    private readonly LossyMediaRelay _relay;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private IPEndPoint? _phone;

    public MediaAnchoringProxy(IPEndPoint registrar, LossyMediaRelay relay)
    {
        _registrar = registrar;
        _relay = relay;
        _loop = Task.Run(RelayAsync);
    }

    /// <summary>The proxy's address, <c>127.0.0.1:port</c>, for the phone's <c>--outbound-proxy</c>.</summary>
    public string Address => $"127.0.0.1:{((IPEndPoint)_socket.Client.LocalEndPoint!).Port}";

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _loop.Wait(TimeSpan.FromSeconds(2));
        _stop.Dispose();
    }

    private async Task RelayAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult received;
            try
            {
                received = await _socket.ReceiveAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            string message = Encoding.UTF8.GetString(received.Buffer);
            bool fromRegistrar = received.RemoteEndPoint.Equals(_registrar);
            if (!fromRegistrar)
            {
                _phone = received.RemoteEndPoint;
                message = OwnRoute().Replace(message, line => line.Value.Contains(Address, StringComparison.Ordinal) ? string.Empty : line.Value);
            }

            message = RewriteAudioPort(message, fromRegistrar);
            if ((fromRegistrar ? _phone : _registrar) is { } target)
            {
                try
                {
                    await _socket.SendAsync(Encoding.UTF8.GetBytes(message), target);
                }
                catch (SocketException)
                {
                }
            }
        }
    }

    /// <summary>Points the SDP's audio port at the relay, noting the real one, and corrects Content-Length.</summary>
    private string RewriteAudioPort(string message, bool fromFarEnd)
    {
        int split = message.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (split < 0 || !message.Contains("application/sdp", StringComparison.OrdinalIgnoreCase))
        {
            return message;
        }

        string body = AudioLine().Replace(message[(split + 4)..], m =>
        {
            int real = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (fromFarEnd)
            {
                _relay.SetB(real);
                return "m=audio " + _relay.PortForA;
            }

            _relay.SetA(real);
            return "m=audio " + _relay.PortForB;
        });
        string head = ContentLength().Replace(message[..split], "Content-Length: " + Encoding.UTF8.GetByteCount(body));
        return head + "\r\n\r\n" + body;
    }

    [GeneratedRegex(@"^Route:[^\r\n]*\r\n", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex OwnRoute();

    [GeneratedRegex(@"m=audio (\d+)")]
    private static partial Regex AudioLine();

    [GeneratedRegex(@"(?im)^(Content-Length|l)\s*:\s*\d+")]
    private static partial Regex ContentLength();
}
