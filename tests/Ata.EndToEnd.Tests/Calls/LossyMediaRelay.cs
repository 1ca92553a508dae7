using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Ata.EndToEnd.Tests.Calls;

/// <summary>
/// A media relay between two phones A and B, as an operator's media anchor is, that damages the RTP it
/// carries: each packet is dropped with a probability, and the rest are held for a random time (so
/// they also arrive out of order). A sends to <see cref="PortForA"/> (what B's SDP is rewritten to),
/// B to <see cref="PortForB"/> (what A's SDP is rewritten to); each side receives from the port it
/// sends to, so symmetric RTP holds. The first <see cref="UndamagedPackets"/> of each stream pass
/// undamaged and in order. RTCP (the next ports) passes undamaged too, and the receiver reports in it are read: what
/// each phone said it lost of the other's stream.
/// </summary>
public sealed class LossyMediaRelay : IDisposable
{
    /// <summary>The packets of each stream passed on before the relay starts dropping.</summary>
    public const int UndamagedPackets = 10;

    private readonly Leg _forA;
    private readonly Leg _forB;
    private readonly double _loss;
    private readonly int _delayMs;
    private readonly int _jitterMs;
    private readonly Random _random;
    private readonly PriorityQueue<(byte[] Packet, Socket Via, IPEndPoint To, RelayedStream Stream), (long Due, long Order)> _held = new();
    private long _order;
    private readonly List<Thread> _threads = [];
    private volatile bool _stopping;
    private IPEndPoint? _a;
    private IPEndPoint? _b;

    /// <summary>A relay that drops <paramref name="loss"/> of the packets and delays the rest by <paramref name="delayMs"/> ± <paramref name="jitterMs"/> (uniform).</summary>
    /// <remarks>Its own threads, not the thread pool: a test host short of pool threads would hold packets far longer than asked.</remarks>
    public LossyMediaRelay(double loss, int delayMs, int jitterMs, int seed)
    {
        _loss = loss;
        _delayMs = delayMs;
        _jitterMs = jitterMs;
        _random = new Random(seed);
        _forA = Leg.Open();
        _forB = Leg.Open();
        Start(() => RelayRtp(_forA, _forB, () => _b, AToB));
        Start(() => RelayRtp(_forB, _forA, () => _a, BToA));
        Start(() => RelayRtcp(_forA, _forB, () => _b, BToA));
        Start(() => RelayRtcp(_forB, _forA, () => _a, AToB));
        Start(SendWhenDue);
    }

    /// <summary>Where A sends its RTP: the port put in place of B's in the SDP A receives.</summary>
    public int PortForA => _forA.RtpPort;

    /// <summary>Where B sends its RTP: the port put in place of A's in the SDP B receives.</summary>
    public int PortForB => _forB.RtpPort;

    /// <summary>A's stream to B: what was forwarded and dropped, and B's reports about it.</summary>
    public RelayedStream AToB { get; } = new();

    /// <summary>B's stream to A: what was forwarded and dropped, and A's reports about it.</summary>
    public RelayedStream BToA { get; } = new();

    /// <summary>A's RTP port, once the SDP it sent has told it.</summary>
    public int? APort => _a?.Port;

    /// <summary>Sends <paramref name="datagram"/> to A from the port A takes B's audio from: the right source, whatever it holds.</summary>
    public void SendToA(byte[] datagram) => _forA.Rtp.SendTo(datagram, _a ?? throw new InvalidOperationException("A's port is not known yet"));

    /// <summary>A's RTP port, from the SDP it sent.</summary>
    public void SetA(int rtpPort) => _a = new IPEndPoint(IPAddress.Loopback, rtpPort);

    /// <summary>B's RTP port, from the SDP it sent.</summary>
    public void SetB(int rtpPort) => _b = new IPEndPoint(IPAddress.Loopback, rtpPort);

    public void Dispose()
    {
        _stopping = true;
        lock (_held)
        {
            Monitor.PulseAll(_held);
        }

        _forA.Dispose();
        _forB.Dispose();
        foreach (var thread in _threads)
        {
            thread.Join(TimeSpan.FromSeconds(2));
        }
    }

    private void Start(ThreadStart loop)
    {
        var thread = new Thread(loop) { IsBackground = true, Name = "lossy-relay" };
        _threads.Add(thread);
        thread.Start();
    }

    private void RelayRtp(Leg from, Leg to, Func<IPEndPoint?> target, RelayedStream stream)
    {
        var buffer = new byte[2048];
        EndPoint source = new IPEndPoint(IPAddress.Any, 0);
        while (Receive(from.Rtp, buffer, ref source) is int n)
        {
            if (n < 12 || target() is not { } destination)
            {
                continue;
            }

            bool drop;
            int delay;
            lock (_random)
            {
                // The first packets pass in order and whole: a receiver counts loss from the first two it
                // sees in sequence (RFC 3550 A.1), so a drop before that would be nobody's loss.
                bool damage = stream.Forwarded + stream.Dropped >= UndamagedPackets;
                drop = _random.NextDouble() < _loss && damage;
                delay = _delayMs - _jitterMs + _random.Next((2 * _jitterMs) + 1);
                delay = damage ? delay : _delayMs;
            }

            stream.Count(BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(2)), drop);
            if (!drop)
            {
                lock (_held)
                {
                    _held.Enqueue((buffer[..n], to.Rtp, destination, stream), (Environment.TickCount64 + delay, _order++));
                    Monitor.Pulse(_held);
                }
            }
        }
    }

    private void SendWhenDue()
    {
        lock (_held)
        {
            while (!_stopping)
            {
                if (!_held.TryPeek(out var next, out var due))
                {
                    Monitor.Wait(_held);
                    continue;
                }

                long wait = due.Due - Environment.TickCount64;
                if (wait > 0)
                {
                    Monitor.Wait(_held, (int)wait);
                    continue;
                }

                _held.Dequeue();
                try
                {
                    next.Via.SendTo(next.Packet, next.To);
                    next.Stream.Departed(BinaryPrimitives.ReadUInt32BigEndian(next.Packet.AsSpan(4)));
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }
            }
        }
    }

    /// <summary>RTCP from one side, passed on at once; its receiver report blocks are about the other side's stream, <paramref name="about"/>.</summary>
    private static void RelayRtcp(Leg from, Leg to, Func<IPEndPoint?> target, RelayedStream about)
    {
        var buffer = new byte[2048];
        EndPoint source = new IPEndPoint(IPAddress.Any, 0);
        while (Receive(from.Rtcp, buffer, ref source) is int n)
        {
            about.ReadReports(buffer.AsSpan(0, n));
            if (target() is { } rtp)
            {
                try
                {
                    to.Rtcp.SendTo(buffer, n, SocketFlags.None, new IPEndPoint(rtp.Address, rtp.Port + 1));
                }
                catch (SocketException)
                {
                }
            }
        }
    }

    /// <summary>The next datagram's length, or null once the socket is closed.</summary>
    private static int? Receive(Socket socket, byte[] buffer, ref EndPoint source)
    {
        while (true)
        {
            try
            {
                return socket.ReceiveFrom(buffer, ref source);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // An ICMP error for something sent: go on.
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return null;
            }
        }
    }

    /// <summary>One side's RTP and RTCP sockets: an even port and the next.</summary>
    private sealed class Leg : IDisposable
    {
        private Leg(Socket rtp, Socket rtcp)
        {
            Rtp = rtp;
            Rtcp = rtcp;
        }

        public Socket Rtp { get; }

        public Socket Rtcp { get; }

        public int RtpPort => ((IPEndPoint)Rtp.LocalEndPoint!).Port;

        public static Leg Open()
        {
            for (int attempt = 0; attempt < 50; attempt++)
            {
                var rtp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                rtp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                int port = ((IPEndPoint)rtp.LocalEndPoint!).Port;
                if (port % 2 == 0)
                {
                    var rtcp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                    try
                    {
                        rtcp.Bind(new IPEndPoint(IPAddress.Loopback, port + 1));
                        return new Leg(rtp, rtcp);
                    }
                    catch (SocketException)
                    {
                        rtcp.Dispose();
                    }
                }

                rtp.Dispose();
            }

            throw new InvalidOperationException("no free pair of UDP ports for the relay");
        }

        public void Dispose()
        {
            Rtp.Dispose();
            Rtcp.Dispose();
        }
    }
}

/// <summary>One direction's RTP through the relay: packets forwarded and dropped (by sequence number), and the receiver's RTCP reports about it.</summary>
public sealed class RelayedStream
{
    private readonly Lock _gate = new();
    private readonly List<long> _dropped = [];
    private readonly List<(long CumulativeLost, long HighestSequence)> _reports = [];
    private long _highest = -1;

    private long _jitter;
    private long _transit;
    private bool _departed;

    /// <summary>Packets passed on.</summary>
    public int Forwarded { get; private set; }

    /// <summary>
    /// The interarrival jitter of the packets as the relay sent them on (RFC 3550 A.8, in ms): what a
    /// receiver right behind the relay measures.
    /// </summary>
    public double JitterMs
    {
        get
        {
            lock (_gate)
            {
                return (_jitter >> 4) / 8.0;
            }
        }
    }

    /// <summary>Packets dropped.</summary>
    public int Dropped
    {
        get
        {
            lock (_gate)
            {
                return _dropped.Count;
            }
        }
    }

    /// <summary>The receiver's reports about this stream (RTCP report blocks: cumulative lost, extended highest sequence), in order.</summary>
    public IReadOnlyList<(long CumulativeLost, long HighestSequence)> Reports
    {
        get
        {
            lock (_gate)
            {
                return [.. _reports];
            }
        }
    }

    /// <summary>How many packets the relay dropped up to the extended sequence number <paramref name="highest"/>, as the receiver counts it (RFC 3550 A.1: cycles in the high 16 bits).</summary>
    public int DroppedUpTo(long highest)
    {
        lock (_gate)
        {
            // Both count cycles from 0 at the stream's first packet, so the extended numbers agree.
            return _dropped.Count(seq => seq <= highest);
        }
    }

    /// <summary>A packet with RTP timestamp <paramref name="timestamp"/> left the relay now: one more step of the A.8 jitter (8 kHz units, scaled by 16).</summary>
    internal void Departed(uint timestamp)
    {
        long arrival = System.Diagnostics.Stopwatch.GetTimestamp() * 8000 / System.Diagnostics.Stopwatch.Frequency;
        lock (_gate)
        {
            long transit = arrival - timestamp;
            if (_departed)
            {
                long d = Math.Abs(transit - _transit);
                _jitter += d - ((_jitter + 8) >> 4);
            }

            _transit = transit;
            _departed = true;
        }
    }

    internal void Count(ushort sequence, bool dropped)
    {
        lock (_gate)
        {
            long extended = Extend(sequence);
            if (dropped)
            {
                _dropped.Add(extended);
            }
            else
            {
                Forwarded++;
            }
        }
    }

    internal void ReadReports(ReadOnlySpan<byte> compound)
    {
        // RFC 3550 §6.4: SR (200) and RR (201) carry report blocks of 24 octets after their fixed part.
        while (compound.Length >= 8)
        {
            int type = compound[1];
            int count = compound[0] & 0x1F;
            int length = (BinaryPrimitives.ReadUInt16BigEndian(compound[2..]) + 1) * 4;
            if (length > compound.Length)
            {
                return;
            }

            int blocks = type == 200 ? 28 : type == 201 ? 8 : -1;
            for (int i = 0; blocks >= 0 && i < count && blocks + ((i + 1) * 24) <= length; i++)
            {
                var block = compound.Slice(blocks + (i * 24), 24);
                int lost = (block[5] << 16) | (block[6] << 8) | block[7];
                if ((lost & 0x800000) != 0)
                {
                    lost -= 0x1000000;
                }

                lock (_gate)
                {
                    _reports.Add((lost, BinaryPrimitives.ReadUInt32BigEndian(block[8..])));
                }
            }

            compound = compound[length..];
        }
    }

    private long Extend(ushort sequence)
    {
        if (_highest < 0)
        {
            _highest = sequence;
            return sequence;
        }

        long candidate = (_highest & ~0xFFFFL) | sequence;
        if (candidate < _highest - 0x8000)
        {
            candidate += 0x10000;
        }
        else if (candidate > _highest + 0x8000)
        {
            candidate -= 0x10000;
        }

        _highest = Math.Max(_highest, candidate);
        return candidate;
    }
}
