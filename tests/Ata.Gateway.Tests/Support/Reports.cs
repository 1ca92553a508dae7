using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Core.Faults;
using Ata.Core.Health;

namespace Ata.Gateway.Tests.Support;

/// <summary>Adapter payloads as the contract shapes them, built from its field names.</summary>
internal static class Reports
{
    public static string Hello(string deviceId, string firmware = "0.1.0") => new JsonObject
    {
        [Fields.DeviceId] = deviceId,
        [Fields.Firmware] = firmware,
        [Fields.Hardware] = "sim",
        [Fields.ResetReason] = "power-on",
        [Fields.Mac] = "02:00:00:00:00:01",
    }.ToJsonString();

    public static string Health(
        string deviceId, string pwr, string wan, string tel1, string tel2, string registration, int sipCode, int configVersion = 1) => new JsonObject
    {
        [Fields.DeviceId] = deviceId,
        [Fields.UptimeMs] = 12345,
        [Fields.Rssi] = 0,
        [Fields.FreeHeap] = 123456,
        [Fields.Wan] = WanState.Online,
        [Fields.WanAddress] = "127.0.0.1",
        [Fields.ConfigVersion] = configVersion,
        [Fields.Leds] = new JsonObject { ["pwr"] = pwr, ["wan"] = wan, ["tel1"] = tel1, ["tel2"] = tel2 },
        [Fields.Lines] = new JsonArray(new JsonObject
        {
            [Fields.Line] = 1,
            [Fields.Registration] = registration,
            [Fields.SipCode] = sipCode,
            [Fields.LineState] = "idle",
        }),
    }.ToJsonString();

    public static string Fault(
        int sequence, string code, bool raised, int? line = null, int? sipCode = null, string? detail = null, string? boot = null, long? ageMs = null)
    {
        var fault = new JsonObject
        {
            [Fields.Sequence] = sequence,
            [Fields.Code] = code,
            [Fields.State] = raised ? FaultCode.Raised : FaultCode.Cleared,
        };
        if (boot is not null)
        {
            fault[Fields.Boot] = boot;
        }

        if (ageMs is not null)
        {
            fault[Fields.AgeMs] = ageMs;
        }
        if (line is not null)
        {
            fault[Fields.Line] = line;
        }

        if (sipCode is not null)
        {
            fault[Fields.SipCode] = sipCode;
        }

        if (detail is not null)
        {
            fault[Fields.Detail] = detail;
        }

        return fault.ToJsonString();
    }

    /// <summary>A fault snapshot: the adapter's open faults, each as (code, line or 0, age in ms).</summary>
    public static string Snapshot(string boot, int sequence, long reportsDropped, params (string Code, int Line, long AgeMs)[] active) => new JsonObject
    {
        [Fields.Boot] = boot,
        [Fields.Sequence] = sequence,
        [Fields.State] = FaultCode.Snapshot,
        [Fields.ReportsDropped] = reportsDropped,
        [Fields.Active] = new JsonArray([.. active.Select(f =>
        {
            var fault = new JsonObject { [Fields.Code] = f.Code, [Fields.AgeMs] = f.AgeMs };
            if (f.Line > 0)
            {
                fault[Fields.Line] = f.Line;
            }

            return (JsonNode)fault;
        })]),
    }.ToJsonString();

    public static string ConfigAck(int version, bool applied, string? reason = null)
    {
        var ack = new JsonObject { [Fields.Version] = version, [Fields.Applied] = applied };
        if (reason is not null)
        {
            ack[Fields.Reason] = reason;
        }

        return ack.ToJsonString();
    }
}
