using Ata.Core.Hardware;
using Ata.Core.Media;

namespace Ata.Core.Tests.Media;

/// <summary>
/// Two media sessions, A and B, joined by a virtual network: each session's sockets queue what it sends,
/// and <see cref="Run"/> delivers it to the other after a delay (or drops it), and pumps both sessions'
/// audio every 20 ms. Buffers are pooled, so a steady run allocates nothing.
/// </summary>
internal sealed class Loopback
{
    public const string AddressA = "192.0.2.1";
    public const string AddressB = "192.0.2.2";
    public const int PortA = 40000;
    public const int PortB = 42000;

    private readonly List<Datagram> _inFlight = new(256);
    private readonly Stack<byte[]> _pool = new();
    private long _now;

    public Loopback(bool aLaw = true, int eventPayloadType = 101, IMediaKernels? kernels = null)
    {
        kernels ??= new ManagedMediaKernels();
        short[] table = SineTable.Build();
        for (int i = 0; i < 256; i++)
        {
            _pool.Push(new byte[1500]);
        }

        RtpA = new Socket(this, AddressA, PortA, toRtcp: false);
        RtcpA = new Socket(this, AddressA, PortA + 1, toRtcp: true);
        RtpB = new Socket(this, AddressB, PortB, toRtcp: false);
        RtcpB = new Socket(this, AddressB, PortB + 1, toRtcp: true);
        A = new MediaSession(Parameters(aLaw, eventPayloadType, AddressB, PortB), RtpA, RtcpA, kernels, table, new Random(1), "a@" + AddressA, 0);
        B = new MediaSession(Parameters(aLaw, eventPayloadType, AddressA, PortA), RtpB, RtcpB, kernels, table, new Random(2), "b@" + AddressB, 0);
    }

    public MediaSession A { get; }
    public MediaSession B { get; }
    public Socket RtpA { get; }
    public Socket RtcpA { get; }
    public Socket RtpB { get; }
    public Socket RtcpB { get; }

    /// <summary>One-way delay in ms of the n-th datagram sent from one socket (counted per socket); negative drops it.</summary>
    public Func<int, int> Delay { get; set; } = _ => 30;

    /// <summary>What A's handset says at a sample index (default: silence).</summary>
    public short[]? MicrophoneA { get; set; }

    /// <summary>What B's handset says.</summary>
    public short[]? MicrophoneB { get; set; }

    /// <summary>A's earpiece, one frame per tick, for the first minute.</summary>
    public short[] EarpieceA { get; } = new short[60 * 8000];

    /// <summary>B's earpiece.</summary>
    public short[] EarpieceB { get; } = new short[60 * 8000];

    public long Now => _now;

    public static MediaParameters Parameters(bool aLaw, int eventPayloadType, string address, int port) => new()
    {
        PayloadType = aLaw ? MediaParameters.PcmaPayloadType : MediaParameters.PcmuPayloadType,
        ALaw = aLaw,
        EventPayloadType = eventPayloadType,
        RemoteAddress = address,
        RemotePort = port,
        Direction = MediaDirection.SendReceive,
    };

    /// <summary>Runs <paramref name="ms"/> milliseconds in 1 ms steps, pumping audio every 20 ms (B 7 ms out of phase with A).</summary>
    public void Run(int ms)
    {
        long end = _now + ms;
        for (; _now < end; _now++)
        {
            Deliver();
            if (_now % 20 == 0)
            {
                Pump(A, MicrophoneA, EarpieceA, (int)(_now / 20));
            }

            if (_now % 20 == 7)
            {
                Pump(B, MicrophoneB, EarpieceB, (int)(_now / 20));
            }

            A.Tick(_now);
            B.Tick(_now);
        }
    }

    private readonly short[] _silence = new short[160];

    private void Pump(MediaSession session, short[]? microphone, short[] earpiece, int frame)
    {
        if (microphone != null && (frame + 1) * 160 <= microphone.Length)
        {
            session.Transmit(microphone, frame * 160, _now);
        }
        else
        {
            session.Transmit(_silence, 0, _now);
        }

        session.Play(earpiece, (frame * 160) % earpiece.Length, _now);
    }

    private void Deliver()
    {
        for (int i = 0; i < _inFlight.Count; i++)
        {
            Datagram d = _inFlight[i];
            if (d.At > _now)
            {
                continue;
            }

            MediaSession to = d.From.LocalAddress == AddressA ? B : A;
            if (d.From.ToRtcp)
            {
                to.OnRtcp(d.Data, d.Length, d.From.LocalAddress, d.From.LocalPort, _now);
            }
            else
            {
                to.OnRtp(d.Data, d.Length, d.From.LocalAddress, d.From.LocalPort, _now);
            }

            _pool.Push(d.Data);
            _inFlight.RemoveAt(i);
            i--;
        }
    }

    /// <summary>Injects a datagram to <paramref name="session"/> as if from elsewhere.</summary>
    public static void Inject(MediaSession session, byte[] data, string address, int port, long now) => session.OnRtp(data, data.Length, address, port, now);

    private readonly record struct Datagram(Socket From, byte[] Data, int Length, long At);

    /// <summary>A session's socket: records what it sends (counts and the last packet) and puts it on the network.</summary>
    internal sealed class Socket : IDatagramSocket
    {
        private readonly Loopback _network;

        public Socket(Loopback network, string address, int port, bool toRtcp)
        {
            _network = network;
            LocalAddress = address;
            LocalPort = port;
            ToRtcp = toRtcp;
        }

        public string LocalAddress { get; }
        public int LocalPort { get; }
        public bool ToRtcp { get; }
        public int Count { get; private set; }
        public byte[] Last { get; } = new byte[1500];
        public int LastLength { get; private set; }
        public string? LastAddress { get; private set; }
        public int LastPort { get; private set; }

        /// <summary>Called for every datagram sent, before it goes on the network.</summary>
        public Action<byte[], int>? Watch { get; set; }

        public void Send(byte[] data, int length, string address, int port)
        {
            Count++;
            Array.Copy(data, Last, length);
            LastLength = length;
            LastAddress = address;
            LastPort = port;
            Watch?.Invoke(data, length);
            int delay = _network.Delay(Count - 1);
            if (delay < 0)
            {
                return;
            }

            byte[] copy = _network._pool.Pop();
            Array.Copy(data, copy, length);
            _network._inFlight.Add(new Datagram(this, copy, length, _network._now + delay));
        }
    }
}
