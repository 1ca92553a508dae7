using System.Diagnostics;
using Ata.Core.Calls;
using Ata.Core.Media;
using Ata.Native;

namespace Ata.Bench;

/// <summary>
/// What the call quality counters add to the media path, per call-second, in the same run: the core's
/// whole media path (<see cref="MediaLoad.CallPath"/>: G.711 both ways, jitter buffer, DTMF listening,
/// RTCP, on the C kernels as the board runs them) against the counters alone on the same packet stream:
/// RFC 3550 sequence, loss and jitter accounting (<see cref="ReceptionStatistics"/>) and the sent
/// counters per packet, and once per call the E-model MOS and the record (<see cref="CallReport"/>).
/// </summary>
public static class QualityLoad
{
    /// <summary>The share of the media path the counters may take.</summary>
    public const double LimitPercent = 2;

    private const int PacketsPerSecond = 50;

    /// <summary>Runs the measurement and prints it; false when the counters cost more than <see cref="LimitPercent"/>.</summary>
    public static bool Run()
    {
        Console.WriteLine($"Call quality counters per call-second of one line, {MediaLoad.Seconds} s call (best of 5), against the media path in the same run:");
        IMediaKernels kernels = new NativeKernelLibrary();
        double path = double.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            path = Math.Min(path, MediaLoad.CallPath(kernels).Seconds);
        }

        // Both ends of the call run in the media path: two lines' work, as the counters below do.
        double pathPerSecond = path / MediaLoad.Seconds / 2 * 1e6;
        CallRecord ended = EndedCall(kernels);
        var counters = new Counters();
        double countersSeconds = Timing.Best(() => counters.Call(ended));
        double countersPerSecond = countersSeconds / MediaLoad.Seconds / 2 * 1e6;
        double withoutCounters = pathPerSecond - countersPerSecond;
        double percent = countersPerSecond / withoutCounters * 100;
        Console.WriteLine($"  {"media path with the counters (host us per call-second)",-62} {pathPerSecond,10:F2}");
        Console.WriteLine($"  {"the counters alone, incl. MOS and the record per call",-62} {countersPerSecond,10:F3}");
        Console.WriteLine($"  {"media path without them (baseline)",-62} {withoutCounters,10:F2}");
        Console.WriteLine($"  {"added CPU",-62} {percent,9:F2} % (limit {LimitPercent} %)");
        return percent < LimitPercent;
    }

    /// <summary>A finished call with real media quality, as the record is built from.</summary>
    private static CallRecord EndedCall(IMediaKernels kernels)
    {
        var record = new CallRecord(1, CallRecord.Outgoing, "4001234567", false, 0) { AnsweredAt = 2000, EndedAt = 62_000, Codec = "PCMA" };
        record.Outcome = CallOutcome.Completed;
        record.SipCode = 200;
        record.Reason = "OK";
        record.EndedBy = CallEnder.Household;
        record.State = CallState.Ended;
        record.Quality = MediaLoad.QualityOfOneCall(kernels);
        return record;
    }

    /// <summary>The counters of two lines over one call: every packet each line sends and receives, then each line's record.</summary>
    private sealed class Counters
    {
        private readonly ReceptionStatistics _a = new();
        private readonly ReceptionStatistics _b = new();
        private long _sent;
        private long _octets;

        public void Call(CallRecord ended)
        {
            _a.Reset(1);
            _b.Reset(2);
            int packets = MediaLoad.Seconds * PacketsPerSecond;
            for (int i = 0; i < packets; i++)
            {
                long arrival = (long)i * 160 + (i % 7);
                _a.Update(i & 0xFFFF, (uint)(i * 160), arrival);
                _b.Update(i & 0xFFFF, (uint)(i * 160), arrival);
                _sent += 2;
                _octets += 320;
            }

            if (new CallReport(ended, "bench", 1).ToJson(63_000).Length == 0 || new CallReport(ended, "bench", 2).ToJson(63_000).Length == 0)
            {
                throw new UnreachableException();
            }
        }
    }
}
