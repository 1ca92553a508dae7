namespace Ata.Lab.Tests;

public sealed class CallDecisionTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_routed_call_gives_caller_dialled_number_call_id_and_target()
    {
        const string line = " 1(30508) NOTICE: <script>: LAB CALL routed method=INVITE from=2001 to=2002 callid=2d26691498816e33 target=sip:2002@127.0.0.1:17011";

        Assert.True(CallDecision.TryParse(line, Now, out var decision));

        Assert.Equal(
            new CallDecision(CallDecisionKind.Routed, "INVITE", "2001", "2002", "2d26691498816e33", null, null, "sip:2002@127.0.0.1:17011", Now),
            decision);
    }

    [Fact]
    public void A_refusal_gives_code_and_reason()
    {
        Assert.True(CallDecision.TryParse("LAB CALL rejected method=INVITE from=2001 to=2004 callid=1-2@127.0.0.1 code=480 reason=not-registered", Now, out var decision));

        Assert.Equal((CallDecisionKind.Rejected, 480, "not-registered"), (decision!.Kind, decision.Code ?? 0, decision.Reason));
    }

    [Theory]
    [InlineData("LAB REGISTER accepted user=2001 code=200 expires=3600")]
    [InlineData("LAB CALL pondered method=INVITE from=2001 to=2002 callid=x")]
    [InlineData("LAB CALL routed from=2001 to=2002 callid=x")]
    [InlineData("LAB CALL routed method=INVITE from=2001 to=2002")]
    public void Other_lines_are_not_call_decisions(string line) =>
        Assert.False(CallDecision.TryParse(line, Now, out _));

    [Fact]
    public void A_call_line_is_not_a_registrar_decision() =>
        Assert.False(RegistrarDecision.TryParse("LAB CALL routed method=INVITE from=2001 to=2002 callid=x", Now, out _));
}
