using System.Collections;
using Ata.Core.Dns;

namespace Ata.Core.Tests.Dns;

/// <summary>Builds DNS answers by hand, the way a server lays them out (with name compression).</summary>
internal static class DnsAnswer
{
    public static byte[] For(byte[] query, int rcode, params byte[][] records)
    {
        var message = new List<byte>();
        int questionEnd = 12;
        while (query[questionEnd] != 0)
        {
            questionEnd += query[questionEnd] + 1;
        }

        questionEnd += 5;
        message.AddRange(query[..2]);
        message.Add(0x81);
        message.Add((byte)(0x80 | rcode));
        message.AddRange(new byte[] { 0, 1, 0, (byte)records.Length, 0, 0, 0, 0 });
        message.AddRange(query[12..questionEnd]);
        foreach (byte[] r in records)
        {
            message.AddRange(r);
        }

        return [.. message];
    }

    /// <summary>A record owned by the question's name (a pointer to offset 12).</summary>
    public static byte[] A(string address, uint ttl = 300, byte[]? owner = null) =>
        [.. owner ?? [0xC0, 12], 0, 1, 0, 1, .. Ttl(ttl), 0, 4, .. address.Split('.').Select(byte.Parse)];

    public static byte[] Srv(int priority, int weight, int port, string target, uint ttl = 300) =>
        [0xC0, 12, 0, 33, 0, 1, .. Ttl(ttl), .. Length(6 + Name(target).Length), (byte)(priority >> 8), (byte)priority,
            (byte)(weight >> 8), (byte)weight, (byte)(port >> 8), (byte)port, .. Name(target)];

    public static byte[] Name(string name) =>
        [.. name.Split('.').SelectMany(l => new[] { (byte)l.Length }.Concat(System.Text.Encoding.ASCII.GetBytes(l))), 0];

    private static byte[] Ttl(uint ttl) => [(byte)(ttl >> 24), (byte)(ttl >> 16), (byte)(ttl >> 8), (byte)ttl];

    private static byte[] Length(int n) => [(byte)(n >> 8), (byte)n];
}

public class DnsMessageTests
{
    [Fact]
    public void Builds_a_recursive_query()
    {
        byte[] q = DnsMessage.Query(0x1234, "_sip._udp.Example.NET.", DnsRecord.TypeSrv)!;
        Assert.Equal(new byte[] { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 }, q[..12]);
        Assert.Equal(DnsAnswer.Name("_sip._udp.Example.NET"), q[12..^4]);
        Assert.Equal(new byte[] { 0, 33, 0, 1 }, q[^4..]);
        Assert.Null(DnsMessage.Query(1, "a..b", DnsRecord.TypeA));
        Assert.Null(DnsMessage.Query(1, new string('x', 64) + ".example", DnsRecord.TypeA));
    }

    [Fact]
    public void Reads_SRV_and_A_records_with_compressed_names()
    {
        byte[] q = DnsMessage.Query(7, "_sip._udp.example.net", DnsRecord.TypeSrv)!;
        byte[] answer = DnsAnswer.For(q, 0, DnsAnswer.Srv(10, 60, 5070, "sip1.example.net"), DnsAnswer.Srv(20, 0, 5060, "sip2.example.net"));
        ArrayList records = DnsMessage.ReadResponse(answer, answer.Length, out int rcode)!;
        Assert.Equal(0, rcode);
        Assert.Equal(2, records.Count);
        var first = (DnsRecord)records[0]!;
        Assert.Equal(("_sip._udp.example.net", 10, 60, 5070, "sip1.example.net"), (first.Name, first.Priority, first.Weight, first.Port, first.Target));

        byte[] qa = DnsMessage.Query(8, "sip1.example.net", DnsRecord.TypeA)!;
        byte[] a = DnsAnswer.For(qa, 0, DnsAnswer.A("192.0.2.7", 60));
        var address = (DnsRecord)DnsMessage.ReadResponse(a, a.Length, out _)![0]!;
        Assert.Equal(("sip1.example.net", "192.0.2.7", 60L), (address.Name, address.Address, address.TtlSeconds));
    }

    [Fact]
    public void Survives_truncated_looping_and_random_messages()
    {
        byte[] q = DnsMessage.Query(7, "_sip._udp.example.net", DnsRecord.TypeSrv)!;
        byte[] answer = DnsAnswer.For(q, 0, DnsAnswer.Srv(10, 60, 5070, "sip1.example.net"));
        for (int cut = 0; cut < answer.Length; cut++)
        {
            DnsMessage.ReadResponse(answer, cut, out _);
        }

        byte[] loop = (byte[])answer.Clone();
        loop[answer.Length - 2] = 0xC0;
        loop[answer.Length - 1] = (byte)(answer.Length - 2);
        Assert.Null(DnsMessage.ReadResponse(loop, loop.Length, out _));

        var random = new Random(9);
        for (int i = 0; i < 20000; i++)
        {
            byte[] mutated = (byte[])answer.Clone();
            for (int m = 0; m < 4; m++)
            {
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            }

            DnsMessage.ReadResponse(mutated, mutated.Length, out _);
        }
    }
}

public class SipLocatorTests
{
    private readonly FakeSocket _socket = new();
    private readonly DnsClient _dns;
    private readonly SipLocator _locator;

    public SipLocatorTests()
    {
        _dns = new DnsClient(_socket, "192.0.2.53", 53, new Random(1));
        _locator = new SipLocator(_dns, new Random(2));
    }

    private byte[] LastQuery => System.Text.Encoding.UTF8.GetBytes(_socket.Last).Length > 0 ? _socket.SentBytes[^1] : [];

    private void Answer(int rcode, params byte[][] records)
    {
        byte[] response = DnsAnswer.For(LastQuery, rcode, records);
        Assert.True(_dns.OnDatagram(response, response.Length, 0));
    }

    [Fact]
    public void Uses_the_SRV_target_and_port()
    {
        Assert.Equal(SipLocator.Pending, _locator.Locate("example.net", 5060, false, 0, out _, out _));
        Assert.Equal(("192.0.2.53", 53), (_socket.Sent[^1].Address, _socket.Sent[^1].Port));
        Answer(0, DnsAnswer.Srv(10, 100, 5070, "sip1.example.net"));
        Assert.Equal(SipLocator.Pending, _locator.Locate("example.net", 5060, false, 10, out _, out _));
        Answer(0, DnsAnswer.A("192.0.2.7"));
        Assert.Equal(SipLocator.Found, _locator.Locate("example.net", 5060, false, 20, out string address, out int port));
        Assert.Equal(("192.0.2.7", 5070), (address, port));

        // Cached: no further queries.
        int sent = _socket.Sent.Count;
        Assert.Equal(SipLocator.Found, _locator.Locate("example.net", 5060, false, 30, out _, out _));
        Assert.Equal(sent, _socket.Sent.Count);
    }

    [Fact]
    public void Falls_back_to_the_A_record_on_5060_without_SRV()
    {
        _locator.Locate("example.net", 5060, false, 0, out _, out _);
        Answer(3);
        _locator.Locate("example.net", 5060, false, 10, out _, out _);
        Answer(0, DnsAnswer.A("192.0.2.8"));
        Assert.Equal(SipLocator.Found, _locator.Locate("example.net", 5060, false, 20, out string address, out int port));
        Assert.Equal(("192.0.2.8", 5060), (address, port));
    }

    [Fact]
    public void An_explicit_port_skips_SRV_and_an_address_skips_DNS()
    {
        _locator.Locate("example.net", 5080, true, 0, out _, out _);
        Assert.Contains("example", System.Text.Encoding.ASCII.GetString(LastQuery));
        Assert.Equal(1, LastQuery[^3]); // type A
        Assert.Equal(SipLocator.Found, _locator.Locate("198.51.100.4", 5080, true, 0, out string address, out int port));
        Assert.Equal(("198.51.100.4", 5080), (address, port));
    }

    [Fact]
    public void Asks_again_and_then_fails_when_the_server_is_silent()
    {
        _locator.Locate("example.net", 5060, false, 0, out _, out _);
        _dns.Tick(DnsClient.RetryMs);
        _dns.Tick(2 * DnsClient.RetryMs);
        Assert.Equal(3, _socket.Sent.Count);
        _dns.Tick(3 * DnsClient.RetryMs);
        Assert.Equal(SipLocator.Failed, _locator.Locate("example.net", 5060, false, 3 * DnsClient.RetryMs, out _, out _));
    }

    [Fact]
    public void Ignores_answers_to_questions_it_did_not_ask()
    {
        _locator.Locate("example.net", 5060, false, 0, out _, out _);
        byte[] stray = DnsAnswer.For(DnsMessage.Query(LastQuery[0] * 256 + LastQuery[1] + 1, "x.net", 1)!, 0, DnsAnswer.A("1.2.3.4"));
        Assert.False(_dns.OnDatagram(stray, stray.Length, 5));
    }

    [Fact]
    public void Picks_the_lowest_priority_and_shares_by_weight()
    {
        var records = new ArrayList
        {
            new DnsRecord("s", 33, 1, null!, 20, 100, 1, "backup"),
            new DnsRecord("s", 33, 1, null!, 10, 30, 1, "a"),
            new DnsRecord("s", 33, 1, null!, 10, 70, 1, "b"),
        };
        var picks = Enumerable.Range(0, 1000).Select(i => SipLocator.SelectByPriorityAndWeight(records, i / 1000.0).Target).ToList();
        Assert.DoesNotContain("backup", picks);
        Assert.Equal(300, picks.Count(p => p == "a"));
        Assert.Equal(700, picks.Count(p => p == "b"));
    }
}

public class SrvFailoverTests
{
    [Fact]
    public void A_failed_target_lets_the_next_attempt_choose_again()
    {
        var socket = new FakeSocket();
        var dns = new DnsClient(socket, "192.0.2.53", 53, new Random(1));
        var locator = new SipLocator(dns, new Random(5));
        var seen = new HashSet<string>();
        locator.Locate("example.net", 5060, false, 0, out _, out _);
        byte[] answer = DnsAnswer.For(socket.SentBytes[^1], 0, DnsAnswer.Srv(10, 50, 5070, "a.example.net"), DnsAnswer.Srv(10, 50, 5080, "b.example.net"));
        dns.OnDatagram(answer, answer.Length, 0);
        for (int i = 0; i < 40; i++)
        {
            if (locator.Locate("example.net", 5060, false, 1, out _, out int port) == SipLocator.Pending)
            {
                byte[] a = DnsAnswer.For(socket.SentBytes[^1], 0, DnsAnswer.A(port == 5070 ? "192.0.2.1" : "192.0.2.2"));
                dns.OnDatagram(a, a.Length, 1);
                locator.Locate("example.net", 5060, false, 1, out _, out port);
            }

            seen.Add(port.ToString());
            int again = 0;
            locator.Locate("example.net", 5060, false, 1, out _, out again);
            Assert.Equal(port, again);
            locator.TargetFailed("example.net");
        }

        Assert.Equal(2, seen.Count);
    }
}
