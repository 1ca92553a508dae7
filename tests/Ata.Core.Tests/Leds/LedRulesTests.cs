using Ata.Core.Faults;
using Ata.Core.Health;
using Ata.Core.Leds;
using Ata.Core.Telephony;

namespace Ata.Core.Tests.Leds;

/// <summary>Each LED says one thing at a time, read from the fault board and the adapter's state.</summary>
public class LedRulesTests
{
    private readonly FaultBoard _faults = new();

    private string Tel(bool provisioned, bool registered, string lineState, int line = 1)
    {
        var pattern = LedRules.Tel(line, provisioned, registered, lineState, _faults, out int count);
        return LedTable.PatternName(pattern, count);
    }

    [Fact]
    public void TEL_tells_no_account_from_registering()
    {
        Assert.Equal("off", Tel(false, false, LineState.Idle));
        Assert.Equal("slow-blink", Tel(true, false, LineState.Idle));
        Assert.Equal("solid", Tel(true, true, LineState.Idle));
        Assert.Equal("slow-blink", Tel(true, true, LineState.Dialing));
        Assert.Equal("fast-blink", Tel(true, true, LineState.Ringing));
    }

    [Fact]
    public void TEL_keeps_its_blink_code_while_the_line_retries()
    {
        _faults.Raise(FaultCode.RegistrarUnreachable, 1, 408, null, 0);
        Assert.Equal("code-4", Tel(true, false, LineState.Idle));
        Assert.Equal("code-4", Tel(true, false, LineState.NoService));
        Assert.Equal("slow-blink", Tel(true, false, LineState.Idle, line: 2));
    }

    [Fact]
    public void An_adapter_wide_network_fault_shows_on_every_provisioned_TEL()
    {
        _faults.Raise(FaultCode.NetworkDown, 0, 0, null, 0);
        Assert.Equal("code-1", Tel(true, false, LineState.Idle, line: 1));
        Assert.Equal("code-1", Tel(true, false, LineState.Idle, line: 2));
        Assert.Equal("off", Tel(false, false, LineState.Idle, line: 2));
    }

    [Fact]
    public void PWR_is_a_blink_code_when_not_set_up_and_fast_while_writing_flash()
    {
        Assert.Equal("code-1", LedTable.PatternName(LedRules.Power(false, false, false, out int c1), c1));
        Assert.Equal("slow-blink", LedTable.PatternName(LedRules.Power(true, false, false, out int c2), c2));
        Assert.Equal("fast-blink", LedTable.PatternName(LedRules.Power(true, true, true, out int c3), c3));
        Assert.Equal("solid", LedTable.PatternName(LedRules.Power(true, true, false, out int c4), c4));
    }

    [Fact]
    public void WAN_blinks_slowly_when_nothing_answers_and_counts_out_a_refused_login()
    {
        Assert.Equal("off", LedTable.PatternName(LedRules.Wan(WanState.Down, false, _faults, out int c1), c1));
        Assert.Equal("slow-blink", LedTable.PatternName(LedRules.Wan(WanState.Limited, true, _faults, out int c2), c2));
        Assert.Equal("slow-blink", LedTable.PatternName(LedRules.Wan(WanState.Online, false, _faults, out int c3), c3));
        Assert.Equal("solid", LedTable.PatternName(LedRules.Wan(WanState.Online, true, _faults, out int c4), c4));
        _faults.Raise(FaultCode.GatewayLoginRefused, 0, 0, null, 0);
        Assert.Equal("code-2", LedTable.PatternName(LedRules.Wan(WanState.Online, true, _faults, out int c5), c5));
    }
}
