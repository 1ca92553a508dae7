using System.Collections;
using System.Text;
using Ata.Core;
using Ata.Core.Faults;
using Ata.Core.Hardware;

namespace Ata.Core.Tests;

/// <summary>Records what the core sends.</summary>
internal sealed class FakeSocket(int localPort = 5062) : IDatagramSocket
{
    public List<(string Text, string Address, int Port)> Sent { get; } = [];
    public List<byte[]> SentBytes { get; } = [];
    public string LocalAddress => "192.0.2.10";
    public int LocalPort => localPort;

    public void Send(byte[] data, int length, string address, int port)
    {
        Sent.Add((Encoding.UTF8.GetString(data, 0, length), address, port));
        SentBytes.Add(data[..length]);
    }

    public string Last => Sent[^1].Text;
}

/// <summary>Resolves from a table.</summary>
internal sealed class FakeResolver : INameResolver
{
    public Dictionary<string, string> Hosts { get; } = [];
    public string? Resolve(string host) => Hosts.GetValueOrDefault(host);
}

/// <summary>
/// Records what the core publishes. QoS 1 messages get delivery tokens; nothing is acknowledged
/// until the test says so (<see cref="AcknowledgeAll"/>), as a broker would.
/// </summary>
internal sealed class FakeMqtt : IMqttSession
{
    private int _nextToken = 1;
    public List<(string Topic, string Payload, int Qos, bool Retain)> Published { get; } = [];
    public List<string> Subscriptions { get; } = [];
    public List<int> Unacknowledged { get; } = [];

    public int Publish(string topic, string payload, int qos, bool retain)
    {
        Published.Add((topic, payload, qos, retain));
        if (qos == 0)
        {
            return 0;
        }

        Unacknowledged.Add(_nextToken);
        return _nextToken++;
    }

    public void Subscribe(string topicFilter, int qos) => Subscriptions.Add(topicFilter);

    /// <summary>Acknowledges every QoS 1 message so far, as the broker's PUBACKs would.</summary>
    public void AcknowledgeAll(Adapter adapter, long now)
    {
        while (Unacknowledged.Count > 0)
        {
            int token = Unacknowledged[0];
            Unacknowledged.RemoveAt(0);
            adapter.OnMqttDelivered(token, now);
        }
    }
}

internal sealed class FakeDevice : IDeviceInfo
{
    public string Firmware => "9.9.9";
    public string Hardware => "test";
    public string ResetReason => "power-on";
    public string Mac => "02:00:00:00:00:01";
    public int Rssi { get; set; } = -60;
    public long FreeHeap => 100000;
}

internal sealed class RecordingEvents : IAdapterEvents
{
    public List<string> Log { get; } = [];
    public List<FaultReport> Faults { get; } = [];
    public void LedChanged(string led, string pattern, long now) => Log.Add($"led {led} {pattern}");
    public void RegistrationChanged(int line, string state, int sipCode, string fault, long now) => Log.Add($"reg {line} {state} {sipCode} {fault}");
    public void LineStateChanged(int line, string state, long now) => Log.Add($"line {line} {state}");
    public void ToneChanged(int line, string tone, bool playing, long now) => Log.Add($"tone {line} {tone} {(playing ? "started" : "stopped")}");
    public void DigitDialled(int line, char digit, string method, long now) => Log.Add($"digit {line} {digit} {method}");
    public void HookFlashed(int line, long now) => Log.Add($"flash {line}");
    public void Dialled(int line, string outcome, string number, string detail, long now) => Log.Add($"dialled {line} {outcome} {number} {detail}");
    public void FaultChanged(FaultReport report, long now) { Faults.Add(report); Log.Add($"fault {report.Code} {(report.Raised ? "raised" : "cleared")}"); }
    public void ConfigApplied(long version, bool applied, string reason, long now) => Log.Add($"config {version} {applied} {reason}");
    public void GatewayChanged(string state, string problem, long now) => Log.Add($"gateway {state} {problem}");
    public List<Ata.Core.Calls.CallRecord> Calls { get; } = [];
    public void PassThroughChanged(int line, bool passThrough, bool echoCanceller, long now) =>
        Log.Add($"passthrough {line} {passThrough} {echoCanceller}");

    public void CallChanged(Ata.Core.Calls.CallRecord call, long now)
    {
        Calls.Add(call);
        Log.Add($"call {call.Line} {call.Direction} {call.State} {call.Outcome} {call.SipCode}");
    }
}

/// <summary>Builds registrar responses to a request the core sent.</summary>
internal static class Registrar
{
    public static string Header(string request, string name)
    {
        foreach (string line in request.Split("\r\n"))
        {
            if (line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            {
                return line[(name.Length + 1)..].Trim();
            }
        }

        throw new InvalidOperationException($"no {name} in request:\n{request}");
    }

    public static bool HasHeader(string request, string name) =>
        request.Split("\r\n").Any(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase));

    public static string Respond(string request, int code, string reason, params string[] extraHeaders)
    {
        var sb = new StringBuilder();
        sb.Append($"SIP/2.0 {code} {reason}\r\n");
        sb.Append($"Via: {Header(request, "Via")};received=192.0.2.10\r\n");
        sb.Append($"From: {Header(request, "From")}\r\n");
        sb.Append($"To: {Header(request, "To")};tag=reg1\r\n");
        sb.Append($"Call-ID: {Header(request, "Call-ID")}\r\n");
        sb.Append($"CSeq: {Header(request, "CSeq")}\r\n");
        foreach (string h in extraHeaders)
        {
            sb.Append(h).Append("\r\n");
        }

        sb.Append("Content-Length: 0\r\n\r\n");
        return sb.ToString();
    }

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public const string Challenge = "WWW-Authenticate: Digest realm=\"lab.ata\", nonce=\"abc123\", qop=\"auth\", algorithm=MD5";

    public static string ContactOf(string request) => Header(request, "Contact").Trim('<', '>');
}
