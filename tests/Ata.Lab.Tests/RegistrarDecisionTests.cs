namespace Ata.Lab.Tests;

public sealed class RegistrarDecisionTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_acceptance_line_gives_user_code_expires_and_contact()
    {
        const string line = " 1(5491) NOTICE: <script>: LAB REGISTER accepted user=2001 code=200 expires=3600 contact=sip:2001@127.0.0.1:43256";

        Assert.True(RegistrarDecision.TryParse(line, Now, out var decision));

        Assert.Equal(
            new RegistrarDecision(RegistrarDecisionKind.Accepted, "2001", 200, null, 3600, "sip:2001@127.0.0.1:43256", Now),
            decision);
    }

    [Fact]
    public void A_refusal_line_gives_code_and_reason()
    {
        Assert.True(RegistrarDecision.TryParse(" 1(7) NOTICE: <script>: LAB REGISTER rejected user=2001 code=403 reason=wrong-password", Now, out var decision));

        Assert.Equal((RegistrarDecisionKind.Rejected, 403, "wrong-password"), (decision!.Kind, decision.Code ?? 0, decision.Reason));
    }

    [Fact]
    public void A_refusal_without_a_code_has_none()
    {
        Assert.True(RegistrarDecision.TryParse("LAB REGISTER rejected user=2001 reason=binding-not-saved", Now, out var decision));

        Assert.Null(decision!.Code);
    }

    [Theory]
    [InlineData(" 0(5489) INFO: <core> [main.c:3055]: main(): processes (at least): 5")]
    [InlineData("LAB REGISTER pondered user=2001")]
    [InlineData("LAB REGISTER accepted code=200")]
    public void Other_lines_are_not_decisions(string line) =>
        Assert.False(RegistrarDecision.TryParse(line, Now, out _));
}
