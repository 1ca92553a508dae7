namespace Ata.Lab.Tests;

/// <summary>One Kamailio for the call routing tests, with an emergency centre address the tests play with sipp.</summary>
public sealed class CallRoutingRegistrar : IAsyncLifetime
{
    public static readonly Dictionary<string, string> Subscribers = new()
    {
        ["2001"] = "pw-2001",
        ["2002"] = "pw-2002",
        ["2003"] = "pw-2003",
        ["2004"] = "pw-2004",
    };

    public KamailioRegistrar Registrar { get; private set; } = null!;

    public int EmergencyCentrePort { get; } = FreePort.Udp();

    public async Task InitializeAsync() =>
        Registrar = await KamailioRegistrar.StartAsync(Subscribers, new KamailioRegistrarOptions { EmergencyCentre = $"127.0.0.1:{EmergencyCentrePort}" });

    public async Task DisposeAsync() => await Registrar.DisposeAsync();
}

/// <summary>
/// The lab registrar routes calls between its subscribers as an ISP's proxy does, proven with
/// sipp on both ends: a caller scenario (UAC) and a callee scenario (UAS) registered as a subscriber.
/// </summary>
public sealed class CallRoutingTests(CallRoutingRegistrar fixture) : IClassFixture<CallRoutingRegistrar>
{
    private static readonly TimeSpan ScenarioTimeout = TimeSpan.FromSeconds(20);
    private readonly KamailioRegistrar registrar = fixture.Registrar;

    [Fact]
    public async Task A_call_is_challenged_with_407_then_routed_to_the_registered_callee_rung_answered_and_hung_up()
    {
        var (placed, answered, callee) = await CallThroughAsync("call.xml", "answer.xml", from: "2001", to: "2002");

        Assert.Equal([407, 180, 200, 200], placed.ReceivedStatusCodes.Where(code => code != 100));
        var challenge = DigestChallenge.Parse(placed.Messages.First(message => message.StatusCode == 407).Header("Proxy-Authenticate")!);
        Assert.Equal(("lab.ata", "auth"), (challenge.Realm, challenge.Parameters["qop"]));
        Assert.NotEmpty(challenge.Nonce);
        Assert.Equal(["INVITE", "ACK", "BYE"], answered.ReceivedRequests);
        var invite = answered.Messages.First(message => message.Method == "INVITE");
        Assert.StartsWith($"<sip:{registrar.Address};lr", invite.Header("Record-Route"), StringComparison.Ordinal);
        Assert.Null(invite.Header("Proxy-Authorization"));
        Assert.Null(invite.Header("Route"));
        var callId = invite.Header("Call-ID")!;
        await registrar.WaitForCallDecisionAsync(d => d.Kind == CallDecisionKind.Relayed && d.CallId == callId, ScenarioTimeout);
        Assert.Equal(
            [
                (CallDecisionKind.Challenged, "INVITE", (int?)407, "no-credentials"),
                (CallDecisionKind.Routed, "INVITE", null, null),
                (CallDecisionKind.Replied, "INVITE", 200, null),
                (CallDecisionKind.Relayed, "BYE", null, null),
            ],
            registrar.CallDecisions.Where(d => d.CallId == callId).Select(d => (d.Kind, d.Method, d.Code, d.Reason)));
        var routed = registrar.CallDecisions.Single(d => d.CallId == callId && d.Kind == CallDecisionKind.Routed);
        Assert.Equal(("2001", "2002", $"sip:2002@{callee}"), (routed.From, routed.To, routed.Target));
    }

    [Fact]
    public async Task A_CANCEL_while_the_callee_rings_is_relayed_and_the_caller_gets_487()
    {
        var (placed, rang, _) = await CallThroughAsync("call-cancel.xml", "ring-until-cancelled.xml", from: "2001", to: "2003");

        Assert.Equal([407, 180, 200, 487], placed.ReceivedStatusCodes.Where(code => code != 100));
        Assert.Equal(["INVITE", "CANCEL", "ACK"], rang.ReceivedRequests);
        var callId = rang.Messages.First().Header("Call-ID")!;
        var replied = await registrar.WaitForCallDecisionAsync(d => d.Kind == CallDecisionKind.Replied && d.CallId == callId, ScenarioTimeout);
        Assert.Equal(487, replied.Code);
        Assert.Contains(registrar.CallDecisions, d => d.Kind == CallDecisionKind.Cancelled && d.CallId == callId);
    }

    [Theory]
    [InlineData("2004", 480, "not-registered")]
    [InlineData("2999", 404, "unknown-callee")]
    public async Task A_callee_that_cannot_be_reached_is_refused_with_the_right_code(string callee, int code, string reason)
    {
        await using var caller = Call("call-refused.xml", from: "2001", to: callee);

        var placed = await caller.EnsureSucceededAsync(ScenarioTimeout);

        Assert.Equal([407, code], placed.ReceivedStatusCodes.Where(c => c != 100));
        var decision = await registrar.WaitForCallDecisionAsync(d => d.Kind == CallDecisionKind.Rejected && d.To == callee, ScenarioTimeout);
        Assert.Equal((code, reason, "2001"), (decision.Code ?? 0, decision.Reason, decision.From));
    }

    [Fact]
    public async Task Wrong_credentials_on_an_INVITE_are_refused_with_403_not_challenged_again()
    {
        await using var caller = Call("call-refused.xml", from: "2001", to: "2002", password: "not-the-password");

        var placed = await caller.EnsureSucceededAsync(ScenarioTimeout);

        Assert.Equal([407, 403], placed.ReceivedStatusCodes.Where(c => c != 100));
        var decision = await registrar.WaitForCallDecisionAsync(d => d.Reason == "wrong-password", ScenarioTimeout);
        Assert.Equal((CallDecisionKind.Rejected, 403), (decision.Kind, decision.Code ?? 0));
    }

    [Fact]
    public async Task An_emergency_call_from_an_unregistered_caller_without_credentials_reaches_the_emergency_centre()
    {
        await using var centre = SippScenario.Start("answer.xml", new SippOptions { Port = fixture.EmergencyCentrePort, Timeout = ScenarioTimeout });
        await centre.WaitUntilListeningAsync(TimeSpan.FromSeconds(5));
        await using var caller = SippScenario.Start("emergency-call.xml", new SippOptions
        {
            Remote = registrar.Address,
            Service = "112",
            Keys = new Dictionary<string, string> { ["caller"] = "stranger" },
            Timeout = ScenarioTimeout,
        });

        var placed = await caller.EnsureSucceededAsync(ScenarioTimeout);
        var answered = await centre.EnsureSucceededAsync(ScenarioTimeout);

        Assert.DoesNotContain(407, placed.ReceivedStatusCodes);
        Assert.Equal(["INVITE", "ACK", "BYE"], answered.ReceivedRequests);
        Assert.StartsWith("INVITE sip:112@", answered.Messages.First().FirstLine, StringComparison.Ordinal);
        var decision = await registrar.WaitForCallDecisionAsync(d => d.Kind == CallDecisionKind.Emergency, ScenarioTimeout);
        Assert.Equal(("stranger", "112", $"sip:127.0.0.1:{fixture.EmergencyCentrePort}"), (decision.From, decision.To, decision.Target));
    }

    [Fact]
    public async Task OPTIONS_outside_a_dialog_is_still_answered_200()
    {
        Assert.Equal(200, await SipProbe.OptionsAsync(registrar.EndPoint, TimeSpan.FromSeconds(2)));
    }

    /// <summary>Runs a caller scenario against a callee scenario registered as <paramref name="to"/>; returns both results and the callee's address.</summary>
    private async Task<(SippResult Caller, SippResult Callee, string CalleeAddress)> CallThroughAsync(string callerScenario, string calleeScenario, string from, string to)
    {
        await using var callee = SippScenario.Start(calleeScenario, new SippOptions { Timeout = ScenarioTimeout });
        await callee.WaitUntilListeningAsync(TimeSpan.FromSeconds(5));
        await SippScenario.RegisterContactAsync(registrar.Address, to, CallRoutingRegistrar.Subscribers[to], callee.Address);
        await using var caller = Call(callerScenario, from, to);
        var placed = await caller.EnsureSucceededAsync(ScenarioTimeout);
        return (placed, await callee.EnsureSucceededAsync(ScenarioTimeout), callee.Address);
    }

    private SippScenario Call(string scenario, string from, string to, string? password = null) =>
        SippScenario.Start(scenario, new SippOptions
        {
            Remote = registrar.Address,
            Service = to,
            AuthUser = from,
            AuthPassword = password ?? CallRoutingRegistrar.Subscribers[from],
            Keys = new Dictionary<string, string> { ["caller"] = from },
            Pause = TimeSpan.FromMilliseconds(200),
            Timeout = ScenarioTimeout,
        });
}
