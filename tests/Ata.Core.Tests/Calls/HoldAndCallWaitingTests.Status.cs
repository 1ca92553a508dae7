using System.Collections;
using Ata.Core.Calls;
using Ata.Core.Console;
using Ata.Core.Contract;
using Ata.Core.Json;
using Ata.Core.Settings;
using Ata.Core.Tests.Console;

namespace Ata.Core.Tests.Calls;

/// <summary>Health and the technician console show a line's every call: the one in the foreground and the one held or waiting.</summary>
public partial class HoldAndCallWaitingTests
{
    private ArrayList HealthCalls()
    {
        var health = JsonReader.ParseObject(_adapter.HealthJson(_call.Now));
        var line = (Hashtable)JsonObject.GetArray(health, Fields.Lines)![0]!;
        return JsonObject.GetArray(line, Fields.Calls)!;
    }

    private static (string State, string Direction, string FarEnd) Described(object call)
    {
        var c = (Hashtable)call;
        return ((string)c[Fields.State]!, (string)c[Fields.Direction]!, (string)c[Fields.FarEnd]!);
    }

    private string ConsoleStatus() =>
        new TechnicianConsole(_adapter, new FakeDevice(), new DeviceSettings(), new MemoryConfigStore(), new RecentLog(20), 0).Execute("status", _call.Now);

    [Fact]
    public void Health_and_status_show_the_call_in_progress_and_the_one_waiting()
    {
        ConnectFirst();
        SecondCall();

        ArrayList calls = HealthCalls();
        Assert.Equal(2, calls.Count);
        Assert.Equal(("connected", "incoming", "*002"), Described(calls[0]!));
        Assert.Equal(("waiting", "incoming", "*002"), Described(calls[1]!));
        Assert.Equal("PCMA", (string)((Hashtable)calls[0]!)[Fields.Codec]!);

        string status = ConsoleStatus();
        Assert.Contains("  call:     connected, incoming from *002", status);
        Assert.Contains("  call:     waiting, incoming from *002", status);
    }

    [Fact]
    public void Health_and_status_show_the_call_talked_to_and_the_one_held_with_its_quality()
    {
        TalkToSecondWithFirstHeld();
        Talk(200, 1000, 2000);

        ArrayList calls = HealthCalls();
        Assert.Equal(2, calls.Count);
        Assert.Equal(CallState.Connected, Described(calls[0]!).State);
        Assert.Equal(CallState.Held, Described(calls[1]!).State);
        Assert.All(calls.Cast<Hashtable>(), c => Assert.True(c.ContainsKey(Fields.Mos), "every answered call reports its quality"));

        string[] lines = ConsoleStatus().Split("\r\n");
        Assert.Single(lines, l => l.StartsWith("  call:     connected, incoming from *002, PCMA, loss", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("  call:     held, incoming from *002, PCMA, loss", StringComparison.Ordinal));
    }

    [Fact]
    public void With_no_call_the_line_in_health_has_no_calls()
    {
        Assert.Empty(HealthCalls());
    }
}
