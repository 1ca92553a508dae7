using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ata.Lab;
using static Ata.EndToEnd.Tests.Calls.CallLab;

namespace Ata.EndToEnd.Tests.Calls;

/// <summary>
/// A far end played by sipp holds the adapter's call in every form one may (a=sendonly in the media
/// section and at session level, the old c=0.0.0.0, a=inactive) and resumes it (a=sendrecv). Its
/// audio is the test's own socket, which sends back what the adapter sends (so the adapter hears its
/// own microphone's 1 kHz) and notes when each packet came: the adapter must send nothing while held,
/// its earpiece must fall silent at once (no loss concealment, no noise), and the resume must bring the
/// audio back both ways.
/// </summary>
public sealed class FarEndHoldCallTests(SharedCallLab shared) : IClassFixture<SharedCallLab>
{
    private const double MicrophoneTone = 1000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private CallLab Lab => shared.Lab;

    [Fact]
    public async Task Hold_in_every_form_is_answered_right_the_adapter_sends_nothing_its_earpiece_is_silent_and_resume_restores_audio_both_ways()
    {
        using var media = new EchoingMedia();
        string number = Lab.NewUser();
        await using var sipp = SippScenario.Start("answer-then-hold-every-way.xml", new SippOptions
        {
            Keys = new Dictionary<string, string> { ["mport"] = media.Port.ToString(CultureInfo.InvariantCulture) },
            Timeout = TimeSpan.FromSeconds(60),
        });
        await sipp.WaitUntilListeningAsync(TimeSpan.FromSeconds(5));
        await SippScenario.RegisterContactAsync(Lab.Registrar.Address, number, PasswordOf(number), sipp.Address);
        string caller = Lab.NewUser();
        await using var adapter = await Lab.StartAdapterAsync(caller);
        await adapter.Process.WriteLineAsync($"mic tone {MicrophoneTone} 1");

        await DialAsync(adapter, number);
        await CallState(adapter, "connected", Timeout);
        var ended = await CallState(adapter, "ended", Timeout);
        Assert.True(ended.GetProperty("byFarEnd").GetBoolean());
        var result = await sipp.EnsureSucceededAsync(Timeout);

        // Each answer's direction (sipp checked them too).
        var reinvites = result.Messages.Where(m => !m.Received && m.Method == "INVITE").GroupBy(m => m.Header("CSeq")).Select(g => g.First()).ToList();
        var answers = result.Messages.Where(m => m.Received && m.StatusCode == 200 && m.Header("CSeq")!.EndsWith("INVITE", StringComparison.Ordinal))
            .GroupBy(m => m.Header("CSeq")).Select(g => g.First()).ToList();
        Assert.Equal(5, reinvites.Count);
        Assert.Equal(["recvonly", "recvonly", "recvonly", "inactive", "sendrecv"], answers.Select(a => DirectionOf(a.Text)));
        DateTimeOffset bye = result.Messages.First(m => !m.Received && m.Method == "BYE").At!.Value;

        // What the adapter sent the far end: audio before the hold, nothing in any of the four holds, audio again after the resume.
        DateTimeOffset holdAt = reinvites[0].At!.Value;
        Assert.True(media.Between(holdAt.AddMilliseconds(-1000), holdAt) >= 30, $"before the hold: {media.Between(holdAt.AddMilliseconds(-1000), holdAt)} packets in 1 s");
        for (int i = 0; i < 4; i++)
        {
            DateTimeOffset heldFrom = answers[i].At!.Value.AddMilliseconds(50), heldTo = reinvites[i + 1].At!.Value;
            Assert.True(media.Between(heldFrom, heldTo) == 0, $"hold {i + 1} (answered {DirectionOf(answers[i].Text)}): {media.Between(heldFrom, heldTo)} packets sent in {(heldTo - heldFrom).TotalMilliseconds:F0} ms");
        }

        DateTimeOffset resumed = answers[4].At!.Value;
        Assert.True(media.Between(resumed.AddMilliseconds(100), bye.AddMilliseconds(-100)) >= 60, $"after the resume: {media.Between(resumed.AddMilliseconds(100), bye.AddMilliseconds(-100))} packets in about 1.8 s");

        // The earpiece: the echo, then silence from the very end of it (nothing concealed, no noise) for the
        // 6 s of holds, then the echo again after the resume.
        var heard = Lab.LastCallRecording(caller);
        int ms = Earpiece.PerMs;
        short[] samples = heard.Samples;
        (int holdStart, int holdLength) = LongestSilence(samples);
        int lastLoud = Array.FindLastIndex(samples, holdStart, s => Math.Abs((int)s) > 4000);
        int resumedAt = Array.FindIndex(samples, holdStart + holdLength, s => Math.Abs((int)s) > 4000);
        Assert.True(lastLoud > 0 && resumedAt > 0, $"no echo heard before ({lastLoud}) or after ({resumedAt}) the {holdLength / ms} ms of silence");
        Earpiece.AssertTone(heard, lastLoud - (700 * ms), 600 * ms, MicrophoneTone, Earpiece.MicrophoneDbfs, "talking before the hold");
        Assert.InRange((resumedAt - lastLoud) / ms, 5000, 7500);
        int from = lastLoud + (5 * ms), count = resumedAt - (2 * ms) - from;
        int sounding = samples.Skip(from).Take(count).Count(s => s != 0);
        Assert.True(sounding == 0, $"the earpiece is not silent on hold: {sounding} samples sound, the last {(Array.FindLastIndex(samples, from + count - 1, count, s => s != 0) - lastLoud) / ms} ms after the echo stopped, peak {samples.Skip(from).Take(count).Max(s => Math.Abs((int)s))}");
        Earpiece.AssertTone(heard, resumedAt + (300 * ms), 800 * ms, MicrophoneTone, Earpiece.MicrophoneDbfs, "talking after the resume");
    }

    /// <summary>The longest run of samples that are exactly zero: where it starts, and its length.</summary>
    private static (int Start, int Length) LongestSilence(short[] samples)
    {
        (int start, int length) best = (0, 0);
        for (int i = 0; i < samples.Length;)
        {
            int j = i;
            while (j < samples.Length && samples[j] == 0)
            {
                j++;
            }

            if (j - i > best.length)
            {
                best = (i, j - i);
            }

            i = j + 1;
        }

        return best;
    }

    private static string DirectionOf(string sdp) =>
        new[] { "sendrecv", "sendonly", "recvonly", "inactive" }.FirstOrDefault(d => sdp.Contains("a=" + d, StringComparison.Ordinal)) ?? "none";

    /// <summary>A far end's media port: it sends every packet back to where it came from and notes when it came.</summary>
    private sealed class EchoingMedia : IDisposable
    {
        private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, 0));
        private readonly ConcurrentQueue<DateTimeOffset> _arrivals = new();
        private readonly Thread _loop;
        private volatile bool _stopping;

        public EchoingMedia()
        {
            // Its own thread, not the thread pool: a test host short of pool threads would hold packets back.
            _loop = new Thread(Echo) { IsBackground = true, Name = "echoing media" };
            _loop.Start();
        }

        public int Port => ((IPEndPoint)_socket.Client.LocalEndPoint!).Port;

        /// <summary>Packets that came in [<paramref name="from"/>, <paramref name="to"/>).</summary>
        public int Between(DateTimeOffset from, DateTimeOffset to) => _arrivals.Count(at => at >= from && at < to);

        public void Dispose()
        {
            _stopping = true;
            _socket.Dispose();
            _loop.Join(TimeSpan.FromSeconds(2));
        }

        private void Echo()
        {
            var from = new IPEndPoint(IPAddress.Any, 0);
            while (!_stopping)
            {
                try
                {
                    byte[] packet = _socket.Receive(ref from);
                    _arrivals.Enqueue(DateTimeOffset.UtcNow);
                    _socket.Send(packet, packet.Length, from);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    if (_stopping)
                    {
                        return;
                    }
                }
            }
        }
    }
}
