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

    public static string Fault(int sequence, string code, bool raised, int? line = null, int? sipCode = null, string? detail = null)
    {
        var fault = new JsonObject
        {
            [Fields.Sequence] = sequence,
            [Fields.Code] = code,
            [Fields.State] = raised ? FaultCode.Raised : FaultCode.Cleared,
        };
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
