using System.Net;
using System.Net.Sockets;
using System.Text;
using Ata.Lab;
using static Ata.EndToEnd.Tests.Calls.CallLab;

namespace Ata.EndToEnd.Tests.Calls;

/// <summary>
/// Requests a registered adapter did not ask for, sent by sipp straight to its SIP port: methods it
/// does not take (405 with Allow), BYE and CANCEL for no call (481), malformed requests (400), INVITEs
/// with malformed SDP (400), only unknown codecs (488) or for a user it has no line for (404),
/// datagrams that are not SIP at all (no answer), and a flood of 20 INVITEs at once (one rings, the
/// rest get 486, and the ringing call is answered and carries audio). After each, the adapter still
/// answers and its line still takes a call.
/// </summary>
public sealed class UnwantedRequestTests(SharedCallLab shared) : IClassFixture<SharedCallLab>
{
    private const string Offer = "v=0\r\no=sipp 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {0} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private CallLab Lab => shared.Lab;

    [Fact]
    public async Task Unknown_methods_get_405_requests_for_no_call_481_malformed_ones_400_and_garbage_nothing()
    {
        string user = Lab.NewUser();
        await using var adapter = await Lab.StartAdapterAsync(user);
        string address = Lab.SipAddressOf(user);

        var message = await RequestAsync(address, user, "MESSAGE", "1 MESSAGE");
        Assert.Equal(405, message.StatusCode);
        Assert.Contains("INVITE", message.Header("Allow"));
        Assert.Equal(481, (await RequestAsync(address, user, "BYE", "1 BYE")).StatusCode);
        Assert.Equal(481, (await RequestAsync(address, user, "CANCEL", "1 CANCEL")).StatusCode);

        // sipp cannot match answers to a request whose CSeq it cannot read: these go from a plain socket.
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var target = IPEndPoint.Parse(address);
        Assert.StartsWith("SIP/2.0 400 ", await RawRequestAsync(udp, target, user, "INVITE", "one INVITE"));
        Assert.StartsWith("SIP/2.0 400 ", await RawRequestAsync(udp, target, user, "INFO", "1 MESSAGE"));
        Assert.StartsWith("SIP/2.0 400 ", await RawRequestAsync(udp, target, user, "BYE", "99999999999 BYE"));

        // Not SIP, or SIP without the headers an answer needs: dropped, nothing sent back.
        foreach (var datagram in new[]
        {
            "hello adapter",
            "INVITE sip:" + user + "@" + address + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx\r\nContent-Length: 0\r\n\r\n",
            "SIP/2.0 200 OK\r\n\r\n",
            "\0\0\0\0INVITE",
        })
        {
            await udp.SendAsync(Encoding.ASCII.GetBytes(datagram), target);
        }

        var answer = udp.ReceiveAsync();
        Assert.NotSame(answer, await Task.WhenAny(answer, Task.Delay(TimeSpan.FromSeconds(1))));
        Assert.Equal(200, (await RequestAsync(address, user, "OPTIONS", "1 OPTIONS")).StatusCode);
        Assert.False(adapter.Process.HasExited);
        Assert.DoesNotContain(adapter.Events, e => e.GetProperty("event").GetString() == "call");
    }

    [Fact]
    public async Task INVITEs_with_malformed_SDP_only_unknown_codecs_or_for_no_line_are_refused_400_488_404_without_ringing()
    {
        string user = Lab.NewUser();
        await using var adapter = await Lab.StartAdapterAsync(user);
        string address = Lab.SipAddressOf(user);

        Assert.Equal([400], await RefusedInviteAsync(address, user, "v=0\r\nthis is no session description\r\n"));
        Assert.Equal([488], await RefusedInviteAsync(address, user,
            "v=0\r\no=sipp 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 18 96\r\na=rtpmap:18 G729/8000\r\na=rtpmap:96 opus/48000/2\r\n"));
        Assert.Equal([404], await RefusedInviteAsync(address, "9999", string.Format(System.Globalization.CultureInfo.InvariantCulture, Offer, 6000)));

        Assert.DoesNotContain(adapter.Events, e => e.GetProperty("event").GetString() is "ringer" or "call");
        await adapter.Process.WriteLineAsync("offhook 1");
        await ToneStarted(adapter, "dial");
    }

    [Fact]
    public async Task A_flood_of_20_INVITEs_rings_the_line_once_busies_the_rest_and_the_ringing_call_is_answered()
    {
        string user = Lab.NewUser();
        await using var adapter = await Lab.StartAdapterAsync(user);
        await adapter.Process.WriteLineAsync("mic tone 1000 1");
        int mediaPort = FreePort.Udp();
        await using var flood = SippScenario.Start("invite.xml", new SippOptions
        {
            Remote = Lab.SipAddressOf(user),
            Service = user,
            Calls = 20,
            Pause = TimeSpan.FromSeconds(3),
            Keys = new Dictionary<string, string> { ["caller"] = "sipp", ["sdp"] = string.Format(System.Globalization.CultureInfo.InvariantCulture, Offer, mediaPort) },
            Arguments = ["-r", "200", "-l", "20", "-mp", mediaPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-rtp_echo"],
            Timeout = TimeSpan.FromSeconds(40),
        });

        await CallState(adapter, "ringing", Timeout);
        await Eventually.Until(() => Task.FromResult(CallsAnswered(flood, 486) == 19), Timeout,
            () => "not 19 busy: " + string.Join(", ", flood.Messages));
        Assert.Equal(1, CallsAnswered(flood, 180));
        await adapter.Process.WriteLineAsync("offhook 1");
        await CallState(adapter, "connected");
        var ended = await CallState(adapter, "ended", Timeout);
        Assert.True(ended.GetProperty("byFarEnd").GetBoolean());
        await flood.EnsureSucceededAsync(Timeout);
        Assert.Single(adapter.Events, e => e.GetProperty("event").GetString() == "call" && Is(e, "state", "ringing"));

        // Media flowed: sipp's echo of the adapter's 3 s of audio came back, and nothing from elsewhere.
        Assert.True(ended.GetProperty("packetsReceived").GetInt64() > 50, ended.ToString());
        Assert.Equal(0, ended.GetProperty("wrongSource").GetInt64());
    }

    /// <summary>How many calls (Call-IDs) of <paramref name="sipp"/> got a <paramref name="code"/> (retransmissions count once).</summary>
    private static int CallsAnswered(SippScenario sipp, int code) =>
        sipp.Messages.Where(m => m.Received && m.StatusCode == code).Select(m => m.Header("Call-ID")).Distinct().Count();

    /// <summary>Sends <paramref name="method"/> with CSeq <paramref name="cseq"/> (a copy of the shared <c>request.xml</c>) and returns the answer.</summary>
    private async Task<SippMessage> RequestAsync(string address, string user, string method, string cseq)
    {
        var template = await File.ReadAllTextAsync(Path.Combine(SippScenario.SharedScenarioDirectory, "request.xml"));
        Directory.CreateDirectory(Lab.Directory);
        var scenario = Path.Combine(Lab.Directory, $"request-{method}-{cseq.Replace(' ', '-')}.xml");
        await File.WriteAllTextAsync(scenario, template
            .Replace("OPTIONS sip:[service]", method + " sip:[service]", StringComparison.Ordinal)
            .Replace("CSeq: 1 OPTIONS", "CSeq: " + cseq, StringComparison.Ordinal));
        await using var sipp = SippScenario.Start(scenario, new SippOptions
        {
            Remote = address,
            Service = user,
            Timeout = TimeSpan.FromSeconds(10),
            Name = "sipp-" + method,
        });
        var result = await sipp.EnsureSucceededAsync(Timeout);
        return Assert.Single(result.Messages, m => m.Received && m.StatusCode is not null);
    }

    /// <summary>Sends a request with <paramref name="cseq"/> from <paramref name="udp"/> and returns the answer's text.</summary>
    private static async Task<string> RawRequestAsync(UdpClient udp, IPEndPoint target, string user, string method, string cseq)
    {
        int port = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
        string request = $"{method} sip:{user}@{target} SIP/2.0\r\n" +
            $"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{Guid.NewGuid():N}\r\n" +
            $"From: <sip:test@127.0.0.1:{port}>;tag=t{port}\r\nTo: <sip:{user}@{target}>\r\n" +
            $"Call-ID: {Guid.NewGuid():N}@127.0.0.1\r\nCSeq: {cseq}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
        await udp.SendAsync(Encoding.ASCII.GetBytes(request), target);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var answer = await udp.ReceiveAsync(wait.Token);
        return Encoding.ASCII.GetString(answer.Buffer);
    }

    private static async Task<IReadOnlyList<int>> RefusedInviteAsync(string address, string user, string sdp)
    {
        await using var sipp = SippScenario.Start("invite.xml", new SippOptions
        {
            Remote = address,
            Service = user,
            Keys = new Dictionary<string, string> { ["caller"] = "sipp", ["sdp"] = sdp },
            Timeout = TimeSpan.FromSeconds(10),
        });
        var result = await sipp.EnsureSucceededAsync(Timeout);
        Assert.Contains("ACK", result.Messages.Where(m => !m.Received && m.Method is not null).Select(m => m.Method));
        return [.. result.ReceivedStatusCodes.Distinct()];
    }
}
