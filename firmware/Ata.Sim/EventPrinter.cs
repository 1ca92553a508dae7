using Ata.Core;
using Ata.Core.Faults;
using Ata.Core.Json;

namespace Ata.Sim;

/// <summary>
/// Prints the adapter's state changes on stdout: one JSON object per line with <c>--events json</c>
/// (timestamp <c>t</c> in Unix milliseconds), otherwise a line of text a person can follow.
/// </summary>
internal sealed class EventPrinter(bool json, TextWriter output) : IAdapterEvents
{
    private readonly Lock _gate = new();
    private readonly List<Ata.Core.Calls.CallRecord> _calls = [];

    public void LedChanged(string led, string pattern, long now) =>
        Emit("led", w => w.Property("led", led).Property("pattern", pattern), $"LED {led.ToUpperInvariant()} {pattern}");

    public void RegistrationChanged(int line, string state, int sipCode, string fault, long now) =>
        Emit("registration", w =>
        {
            w.Property("line", line).Property("state", state).Property("sipCode", sipCode);
            if (fault is not null)
            {
                w.Property("fault", fault);
            }
        }, $"line {line} registration {state} (SIP {sipCode}){(fault is null ? "" : " fault " + fault)}");

    public void LineStateChanged(int line, string state, long now) =>
        Emit("line", w => w.Property("line", line).Property("state", state), $"line {line} {state}");

    /// <summary>Told of every tone change (line, tone name or null when it stopped): the WAV recorder listens here.</summary>
    public Action<int, string?>? ToneObserver { get; set; }

    public void ToneChanged(int line, string tone, bool playing, long now)
    {
        ToneObserver?.Invoke(line, playing ? tone : null);
        string state = playing ? "started" : "stopped";
        Emit("tone", w => w.Property("line", line).Property("tone", tone).Property("state", state), $"line {line} tone {tone} {state}");
    }

    public void DigitDialled(int line, char digit, string method, long now) =>
        Emit("digit", w => w.Property("line", line).Property("digit", digit.ToString()).Property("method", method), $"line {line} digit {digit} ({method})");

    public void HookFlashed(int line, long now) =>
        Emit("flash", w => w.Property("line", line), $"line {line} hook flash");

    public void Dialled(int line, string outcome, string number, string detail, long now) =>
        Emit("dial", w =>
        {
            w.Property("line", line).Property("outcome", outcome).Property("number", number);
            if (detail is not null)
            {
                w.Property("detail", detail);
            }
        }, $"line {line} dialled {number}: {outcome}{(detail is null ? "" : " (" + detail + ")")}");

    /// <summary>The polarity of a line was reversed (for caller ID) or set back to normal.</summary>
    public void Polarity(int line, bool reversed) =>
        Emit("polarity", w => w.Property("line", line).Property("reversed", reversed), $"line {line} polarity {(reversed ? "reversed" : "normal")}");

    /// <summary>The ringer of a line turned on or off.</summary>
    public void Ringer(int line, bool on) =>
        Emit("ringer", w => w.Property("line", line).Property("on", on), $"line {line} ringer {(on ? "on" : "off")}");

    public void FaultChanged(FaultReport report, long now) =>
        Emit("fault", w =>
        {
            w.Property("code", report.Code).Property("state", report.Raised ? FaultCode.Raised : FaultCode.Cleared)
                .Property("seq", report.Sequence).Property("line", report.Line).Property("sipCode", report.SipCode);
            if (report.Detail is not null)
            {
                w.Property("detail", report.Detail);
            }
        }, $"fault {report.Code} {(report.Raised ? "raised" : "cleared")}{(report.Detail is null ? "" : ": " + report.Detail)}");

    public void ConfigApplied(long version, bool applied, string reason, long now) =>
        Emit("config", w =>
        {
            w.Property("version", version).Property("applied", applied);
            if (reason is not null)
            {
                w.Property("reason", reason);
            }
        }, applied ? $"config version {version} applied" : $"config version {version} refused: {reason}");

    /// <summary>Told when a call starts or ends on a line (the call recorder).</summary>
    public Action<int, bool>? CallObserver { get; set; }

    public void CallChanged(Ata.Core.Calls.CallRecord call, long now)
    {
        // One recording per line while it has any call: a second call (waiting, held, swapped, rung
        // back) goes into the first one's recording, which ends with the line's last call.
        if (call.State == Ata.Core.Calls.CallState.Ended)
        {
            if (_calls.Remove(call) && !_calls.Any(c => c.Line == call.Line))
            {
                CallObserver?.Invoke(call.Line, false);
            }
        }
        else if (!_calls.Contains(call))
        {
            bool first = !_calls.Any(c => c.Line == call.Line);
            _calls.Add(call);
            if (first)
            {
                CallObserver?.Invoke(call.Line, true);
            }
        }

        PrintCall(call);
    }

    private void PrintCall(Ata.Core.Calls.CallRecord call) =>
        Emit("call", w =>
        {
            w.Property("line", call.Line).Property("direction", call.Direction).Property("state", call.State)
                .Property("farEnd", call.FarEndMasked).Property("emergency", call.Emergency);
            if (call.Codec is not null)
            {
                w.Property("codec", call.Codec);
            }

            if (call.State == Ata.Core.Calls.CallState.Ended)
            {
                w.Property("outcome", call.Outcome).Property("sipCode", call.SipCode).Property("byFarEnd", call.EndedByFarEnd);
                if (call.Reason is not null)
                {
                    w.Property("reason", call.Reason);
                }

                if (call.Quality is { } q)
                {
                    // This side's reception (what its RTCP reports carry) and what the far end's reports said.
                    w.Property("packetsSent", q.PacketsSent).Property("packetsReceived", q.PacketsReceived).Property("packetsLost", q.PacketsLost)
                        .Property("jitterMs", q.JitterMs).Property("late", q.Late).Property("concealedMs", q.ConcealedMs)
                        .Property("farEndPacketsLost", q.FarEndPacketsLost).Property("farEndJitterMs", q.FarEndJitterMs).Property("roundTripMs", q.RoundTripMs)
                        .Property("eventsSent", q.EventsSent).Property("eventsReceived", q.EventsReceived)
                        .Property("wrongSource", q.WrongSource).Property("wrongPayloadType", q.WrongPayloadType);
                }
            }
        }, $"line {call.Line} {call.Direction} call {call.FarEndMasked}: {call.State}{(call.Outcome is null ? "" : $" {call.Outcome} ({call.SipCode} {call.Reason})")}");

    public void PassThroughChanged(int line, bool passThrough, bool echoCanceller, long now) =>
        Emit("passThrough", w => w.Property("line", line).Property("on", passThrough).Property("echoCanceller", echoCanceller),
            $"line {line} {(passThrough ? "fax/modem pass-through" : "conversation audio")}, echo canceller {(echoCanceller ? "on" : "off")}");

    public void GatewayChanged(string state, string problem, long now) =>
        Emit("gateway", w =>
        {
            w.Property("state", state);
            if (problem is not null)
            {
                w.Property("detail", problem);
            }
        }, problem is null ? $"gateway {state}" : $"gateway {state}: {problem}");

    /// <summary>A host-level event (MQTT connected, started, stopping).</summary>
    public void Host(string name, string? detail = null) =>
        Emit(name, w =>
        {
            if (detail is not null)
            {
                w.Property("detail", detail);
            }
        }, detail is null ? name : $"{name}: {detail}");

    private void Emit(string kind, Action<JsonWriter> fields, string text)
    {
        string line;
        if (json)
        {
            var w = new JsonWriter().BeginObject()
                .Property("t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())
                .Property("event", kind);
            fields(w);
            line = w.EndObject().ToString();
        }
        else
        {
            line = $"{DateTime.UtcNow:HH:mm:ss.fff} {text}";
        }

        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }
}
