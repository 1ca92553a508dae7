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
