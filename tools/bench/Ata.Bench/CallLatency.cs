using System.Text;
using Ata.Core;
using Ata.Core.Dtmf;
using Ata.Core.Hardware;
using Ata.Core.Media;
using Ata.Core.Provisioning;

namespace Ata.Bench;

/// <summary>
/// How soon a call goes out and how soon the far end is heard, measured on the core in virtual time
/// (no network: the figures are the adapter's own delay), each against a baseline in the same run:
/// post-dial delay, from the onset of the last DTMF key to the INVITE on the wire, with the dial plan
/// completing the number against a dial plan that ends numbers with the inter-digit timer (as many
/// adapters do without a plan); and answer to first audio, from the far end's 200 OK (its audio
/// starting at once) to the first sample of it in the earpiece, against a fixed 60 ms jitter buffer.
/// </summary>
public static class CallLatency
{
    private const string Registrar = "192.0.2.1";
    private const string FarSdp =
        "v=0\r\no=far 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n" +
        "m=audio 30000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";

    /// <summary>Runs both measurements and prints them.</summary>
    public static void Run()
    {
        Console.WriteLine("Post-dial delay, onset of the last key to the INVITE on the wire (core, virtual time, DTMF 80 ms on / 80 ms off):");
        Console.WriteLine($"  {"number",-12} {"dial plan",-44} {"delay ms",9}");
        foreach (var (number, plan, name) in new[]
        {
            ("2002", "(2xxx|[3-9]xxxxxxx)", "completes the number (ours)"),
            ("32334455", "(2xxx|[3-9]xxxxxxx)", "completes the number (ours)"),
            ("112", "(2xxx|[3-9]xxxxxxx)", "emergency: sent when complete (ours)"),
            ("2002", "(x.)", "ends numbers with the 3 s timer (baseline)"),
        })
        {
            Console.WriteLine($"  {number,-12} {name,-44} {PostDialDelay(number, plan),9}");
        }

        Console.WriteLine();
        long ours = AnswerToFirstAudio();
        Console.WriteLine("Answer to first audio, the far end's 200 OK to its first sample in the earpiece (core, virtual time, no network delay):");
        Console.WriteLine($"  {"adaptive jitter buffer (ours)",-44} {ours,6} ms");
        Console.WriteLine($"  {"fixed 60 ms jitter buffer (baseline)",-44} {60 + 20,6} ms  (60 ms of buffer + one 20 ms packet)");
    }

    private static Adapter Registered(string dialPlan, RecordingSocket sip, RecordingSocket rtp, ListeningEarpiece earpiece)
    {
        var adapter = new Adapter("bench", new BenchDevice(), sip, new NoResolver(), new ILed[4], new NoEvents(), new Random(1), 0)
        {
            Audio = earpiece,
        };
        adapter.UseMediaSockets(1, rtp, new RecordingSocket(40001));
        string config = "{\"version\":1,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"" + Registrar + ":5070\","
            + "\"registrarProbeSeconds\":0,\"dialPlan\":\"" + dialPlan + "\"}]}";
        adapter.Apply(ProvisioningDocument.Parse(config, out _)!, 0);
        Deliver(adapter, Answer(sip.Last!, 200, "OK", null), 10);
        return adapter;
    }

    private static long PostDialDelay(string number, string dialPlan)
    {
        var sip = new RecordingSocket(5060);
        var adapter = Registered(dialPlan, sip, new RecordingSocket(40000), new ListeningEarpiece());
        long now = 100;
        long inviteAt = -1;
        var frame = new short[80];
        var key = new short[640];
        adapter.OnHook(1, true, now);
        void Step(bool sounding, int block)
        {
            now += 10;
            if (sounding)
            {
                Array.Copy(key, block * 80, frame, 0, 80);
            }
            else
            {
                Array.Clear(frame);
            }

            adapter.OnAudio(1, frame, 0, frame.Length, now);
            adapter.Tick(now);
            if (inviteAt < 0 && sip.Sent.Any(s => s.StartsWith("INVITE ", StringComparison.Ordinal)))
            {
                inviteAt = now;
            }
        }

        for (int i = 0; i < 20; i++)
        {
            Step(false, 0);
        }

        long lastKeyAt = 0;
        foreach (char digit in number)
        {
            DtmfKeypad.Synthesize(digit, 5000, key, 0, key.Length, 0);
            lastKeyAt = now;
            for (int block = 0; block < 16; block++)
            {
                Step(block < 8, block);
            }
        }

        while (inviteAt < 0 && now - lastKeyAt < 10_000)
        {
            Step(false, 0);
        }

        return inviteAt - lastKeyAt;
    }

    private static long AnswerToFirstAudio()
    {
        var sip = new RecordingSocket(5060);
        var rtp = new RecordingSocket(40000);
        var earpiece = new ListeningEarpiece();
        var adapter = Registered("(2xxx)", sip, rtp, earpiece);
        long now = 100;
        adapter.OnHook(1, true, now);
        adapter.Tick(now += 20);
        foreach (char digit in "2002")
        {
            adapter.Port(1).Line.Digit(digit, Ata.Core.Telephony.PhoneLine.Dtmf, now);
        }

        string invite = sip.Sent.Last(s => s.StartsWith("INVITE ", StringComparison.Ordinal));
        long answeredAt = now += 50;
        Deliver(adapter, Answer(invite, 200, "OK", FarSdp), answeredAt);
        earpiece.Clear();

        // The far end talks from the moment it answers: a 1 kHz tone in 20 ms packets, no network delay.
        var farRtp = new RecordingSocket(30000);
        var far = new MediaSession(new MediaParameters { PayloadType = 8, ALaw = true, RemoteAddress = "192.0.2.10", RemotePort = 40000, RemoteRtcpPort = 40001 },
            farRtp, new RecordingSocket(30001), new ManagedMediaKernels(), SineTable.Build(), new Random(2), "far", answeredAt);
        var voice = new short[160];
        var silence = new short[160];
        int sample = 0;
        for (long t = answeredAt; t < answeredAt + 1000 && earpiece.FirstSoundAt < 0; t += 10)
        {
            if ((t - answeredAt) % 20 == 0)
            {
                for (int i = 0; i < 160; i++, sample++)
                {
                    voice[i] = (short)(8000 * Math.Sin(2 * Math.PI * 1000 * sample / 8000.0));
                }

                far.Transmit(voice, 0, t);
                foreach (var packet in farRtp.TakeBytes())
                {
                    adapter.OnRtp(1, packet, packet.Length, "198.51.100.7", 30000, t);
                }
            }

            earpiece.Now = t;
            adapter.OnAudio(1, silence, 0, 80, t);
            adapter.Tick(t);
        }

        return earpiece.FirstSoundAt - answeredAt;
    }

    private static void Deliver(Adapter adapter, string message, long now)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(message);
        adapter.OnDatagram(bytes, bytes.Length, now);
    }

    private static string Answer(string request, int code, string reason, string? sdp)
    {
        var sb = new StringBuilder($"SIP/2.0 {code} {reason}\r\n");
        foreach (string line in request.Split("\r\n"))
        {
            if (line.StartsWith("Via:", StringComparison.Ordinal) || line.StartsWith("From:", StringComparison.Ordinal)
                || line.StartsWith("Call-ID:", StringComparison.Ordinal) || line.StartsWith("CSeq:", StringComparison.Ordinal))
            {
                sb.Append(line).Append("\r\n");
            }
            else if (line.StartsWith("To:", StringComparison.Ordinal))
            {
                sb.Append(line).Append(";tag=far\r\n");
            }
        }

        if (sdp is not null)
        {
            sb.Append("Contact: <sip:far@198.51.100.7:5090>\r\nContent-Type: application/sdp\r\n");
        }

        return sb.Append($"Content-Length: {(sdp is null ? 0 : Encoding.UTF8.GetByteCount(sdp))}\r\n\r\n").Append(sdp).ToString();
    }

    private sealed class RecordingSocket(int port) : IDatagramSocket
    {
        private readonly List<byte[]> _bytes = [];
        public List<string> Sent { get; } = [];
        public string? Last => Sent.Count == 0 ? null : Sent[^1];
        public string LocalAddress => "192.0.2.10";
        public int LocalPort => port;

        public void Send(byte[] data, int length, string address, int port)
        {
            Sent.Add(Encoding.UTF8.GetString(data, 0, length));
            _bytes.Add(data[..length]);
        }

        public List<byte[]> TakeBytes()
        {
            var taken = new List<byte[]>(_bytes);
            _bytes.Clear();
            return taken;
        }
    }

    private sealed class ListeningEarpiece : IAudioSink
    {
        public long Now { get; set; }
        public long FirstSoundAt { get; private set; } = -1;

        public void Clear() => FirstSoundAt = -1;

        public void Play(int line, short[] samples, int offset, int count)
        {
            for (int i = 0; i < count && FirstSoundAt < 0; i++)
            {
                if (Math.Abs(samples[offset + i]) > 500)
                {
                    FirstSoundAt = Now;
                }
            }
        }
    }

    private sealed class BenchDevice : IDeviceInfo
    {
        public string Firmware => FirmwareVersion.Current;
        public string Hardware => "bench";
        public string ResetReason => "power-on";
        public string Mac => "02:00:00:00:00:00";
        public int Rssi => 0;
        public long FreeHeap => 0;
    }

    private sealed class NoResolver : INameResolver
    {
        public string? Resolve(string host) => null;
    }

    private sealed class NoEvents : IAdapterEvents
    {
        public void LedChanged(string led, string pattern, long now) { }
        public void RegistrationChanged(int line, string state, int sipCode, string fault, long now) { }
        public void LineStateChanged(int line, string state, long now) { }
        public void ToneChanged(int line, string tone, bool playing, long now) { }
        public void DigitDialled(int line, char digit, string method, long now) { }
        public void HookFlashed(int line, long now) { }
        public void Dialled(int line, string outcome, string number, string detail, long now) { }
        public void FaultChanged(Ata.Core.Faults.FaultReport report, long now) { }
        public void ConfigApplied(long version, bool applied, string reason, long now) { }
        public void CallChanged(Ata.Core.Calls.CallRecord call, long now) { }
        public void PassThroughChanged(int line, bool passThrough, bool echoCanceller, long now) { }
        public void GatewayChanged(string state, string problem, long now) { }
    }
}
