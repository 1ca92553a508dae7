using System.Text;
using Ata.Core.Faults;
using Ata.Core.Hardware;
using Ata.Core.Provisioning;
using Ata.Core.Sip;
using Ata.Core.Sip.Messages;
using Ata.Core.Sip.Transactions;
using Ata.Core.Sip.Transport;

namespace Ata.Core.Tests.Sip;

/// <summary>Records TCP connections the core opens and what it sends on them.</summary>
internal sealed class FakeStream : IStreamTransport
{
    private int _next = 1;
    public bool Refuse { get; set; }
    public List<(int Connection, string Text)> Sent { get; } = [];
    public List<int> Closed { get; } = [];
    public List<(string Address, int Port)> Connects { get; } = [];

    public int Connect(string address, int port)
    {
        Connects.Add((address, port));
        return Refuse ? -1 : _next++;
    }

    public int LocalPortOf(int connection) => 40000 + connection;

    public bool Send(int connection, byte[] data, int length)
    {
        if (Closed.Contains(connection))
        {
            return false;
        }

        Sent.Add((connection, Encoding.UTF8.GetString(data, 0, length)));
        return true;
    }

    public void Close(int connection) => Closed.Add(connection);

    public string Last => Sent[^1].Text;
}

public class TcpRegistrationTests
{
    private readonly FakeSocket _socket = new();
    private readonly FakeStream _stream = new();

    private Registration Create(int keepAlive = 30)
    {
        var config = new LineConfig(1, "2001", null!, "secret", "127.0.0.1", 5070, 3600) { Transport = LineConfig.Tcp, KeepAliveSeconds = keepAlive };
        return new Registration(config, _socket, new FakeResolver(), new Random(1), "Ata/test", null!) { Stream = _stream };
    }

    private static void Deliver(Registration r, string response, long now) => r.OnResponse(SipResponse.Parse(response, out _), now);

    [Fact]
    public void Registers_over_a_connection_without_retransmitting()
    {
        var r = Create();
        r.Start(0);
        Assert.Equal([("127.0.0.1", 5070)], _stream.Connects);
        Assert.Empty(_socket.Sent);
        Assert.StartsWith("SIP/2.0/TCP 192.0.2.10:40001;branch=", Registrar.Header(_stream.Last, "Via"));
        Assert.Contains(";transport=tcp;ob>", Registrar.Header(_stream.Last, "Contact"));
        for (long t = 0; t < SipTimers.TimerF; t += 100)
        {
            r.Tick(t);
        }

        Assert.Single(_stream.Sent);
        r.Tick(SipTimers.TimerF);
        Assert.Equal(FaultCode.RegistrarUnreachable, r.Fault);
        Assert.Contains(1, _stream.Closed);
    }

    [Fact]
    public void Keep_alive_pings_need_a_pong_or_the_registrar_counts_as_unreachable()
    {
        var r = Create(keepAlive: 30);
        r.Start(0);
        Deliver(r, Registrar.Respond(_stream.Last, 200, "OK"), 10);
        Assert.Equal(RegistrationState.Registered, r.State);

        r.Tick(10 + 30_000);
        Assert.Equal("\r\n\r\n", _stream.Last);
        r.OnPong(1);
        r.Tick(10 + 30_000 + SipFlow.PongTimeoutMs);
        Assert.Equal(2, _stream.Sent.Count);

        r.Tick(10 + 60_000);
        Assert.Equal("\r\n\r\n", _stream.Last);
        // No pong: the registrar is not answering. The line shows it at once (35 s after the last
        // answer with a 25 s keep-alive, well within a minute) and recovers after the back-off.
        long silentAt = 10 + 60_000 + SipFlow.PongTimeoutMs;
        r.Tick(silentAt);
        Assert.Contains(1, _stream.Closed);
        Assert.Equal(RegistrationState.Failed, r.State);
        Assert.Equal(FaultCode.RegistrarUnreachable, r.Fault);
        Assert.InRange(r.NextAttemptAt - silentAt, RetryBackoff.DefaultBaseMs / 2, RetryBackoff.DefaultBaseMs);
        Assert.Single(_stream.Connects);
        r.Tick(r.NextAttemptAt);
        Assert.Equal(2, _stream.Connects.Count);
        Assert.StartsWith("REGISTER ", _stream.Last);
        Assert.Equal(2, _stream.Sent[^1].Connection);
    }

    [Fact]
    public void A_closed_connection_registers_again_at_once()
    {
        var r = Create();
        r.Start(0);
        Deliver(r, Registrar.Respond(_stream.Last, 200, "OK"), 10);
        r.OnConnectionClosed(1, 1000);
        r.Tick(1000 + 250);
        Assert.Equal(2, _stream.Connects.Count);
        Assert.Equal(RegistrationState.Registered, r.State);
        Assert.Null(r.Fault);
    }

    [Fact]
    public void A_refused_connection_is_the_unreachable_fault()
    {
        _stream.Refuse = true;
        var r = Create();
        r.Start(0);
        Assert.Equal(FaultCode.RegistrarUnreachable, r.Fault);
        Assert.True(r.NextAttemptAt > 0);
    }
}

public class StreamFramerTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Cuts_messages_split_and_joined_across_reads_and_counts_pongs()
    {
        var framer = new StreamFramer();
        string one = "SIP/2.0 200 OK\r\nCall-ID: a\r\nCSeq: 1 REGISTER\r\nContent-Length: 4\r\n\r\nbody";
        string two = "SIP/2.0 401 X\r\nCall-ID: b\r\nCSeq: 2 REGISTER\r\nl: 0\r\n\r\n";
        byte[] all = B("\r\n" + one + two + "\r\n");
        foreach (byte b in all[..10])
        {
            framer.Append([b], 1);
        }

        Assert.Null(framer.Next());
        framer.Append(all[10..], all.Length - 10);
        Assert.Equal(one, Encoding.UTF8.GetString(framer.Next()!));
        Assert.Equal(two, Encoding.UTF8.GetString(framer.Next()!));
        Assert.Null(framer.Next());
        Assert.Equal(2, framer.TakePongs());
        Assert.False(framer.Broken);
    }

    [Theory]
    [InlineData("SIP/2.0 200 OK\r\nCall-ID: a\r\n\r\n")]
    [InlineData("SIP/2.0 200 OK\r\nContent-Length: 99999\r\n\r\n")]
    public void Breaks_on_a_message_that_cannot_be_framed(string text)
    {
        var framer = new StreamFramer();
        framer.Append(B(text), text.Length);
        Assert.Null(framer.Next());
        Assert.True(framer.Broken);
    }

    [Fact]
    public void Breaks_instead_of_growing_without_bound()
    {
        var framer = new StreamFramer();
        byte[] junk = new byte[1000];
        Array.Fill(junk, (byte)'x');
        for (int i = 0; i < 30; i++)
        {
            framer.Append(junk, junk.Length);
            framer.Next();
        }

        Assert.True(framer.Broken);
    }
}
