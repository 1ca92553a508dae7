using Ata.Core.Hardware;
using Ata.Core.Leds;
using Ata.Core.Provisioning;
using Ata.Core.Sip.Subscriptions;
using Ata.Core.Telephony;
using Ata.Core.Tests.Calls;

namespace Ata.Core.Tests.Sip.Subscriptions;

/// <summary>
/// The voicemail light: the line subscribes to its message summary once registered (digest answered,
/// refreshed before expiry, subscribed anew after a failure with back-off), and a message-summary
/// NOTIFY (in that dialog or unsolicited) is answered 200 and turns on the stutter dial tone and the
/// TEL LED's message-waiting pattern; "no" turns them off.
/// </summary>
public class MessageWaitingTests
{
    private const string Config = "{\"version\":3,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"127.0.0.1:5070\"," +
        "\"registrarProbeSeconds\":0}]}";

    private readonly FakeSocket _socket = new();
    private readonly RecordingEvents _events = new();
    private readonly Adapter _adapter;
    private readonly CallHarness _call;

    public MessageWaitingTests()
    {
        _adapter = new Adapter("ata-1", new FakeDevice(), _socket, new FakeResolver(), new ILed[4], _events, new Random(7), 0);
        _call = new CallHarness(_adapter);
        _adapter.Apply(ProvisioningDocument.Parse(Config, out _)!, 0);
        _call.Deliver(Registrar.Respond(_socket.Last, 200, "OK"));
        _call.Advance(20);
    }

    private List<string> Sent(string startsWith) => _socket.Sent.Select(s => s.Text).Where(t => t.StartsWith(startsWith, StringComparison.Ordinal)).ToList();

    private static string Notify(string body, string callId = "vm-1", string state = "active;expires=3600") =>
        "NOTIFY sip:2001@192.0.2.10:5062 SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-vm1\r\n" +
        "From: <sip:voicemail@127.0.0.1>;tag=vm\r\n" +
        "To: <sip:2001@127.0.0.1>\r\n" +
        $"Call-ID: {callId}\r\n" +
        "CSeq: 5 NOTIFY\r\n" +
        "Event: message-summary\r\n" +
        $"Subscription-State: {state}\r\n" +
        "Content-Type: application/simple-message-summary\r\n" +
        $"Content-Length: {body.Length}\r\n\r\n" + body;

    [Fact]
    public void An_unsolicited_NOTIFY_with_messages_waiting_is_answered_and_turns_on_the_light_and_the_stutter_dial_tone()
    {
        _call.Deliver(Notify("Messages-Waiting: yes\r\nMessage-Account: sip:*97@127.0.0.1\r\nVoice-Message: 2/8 (0/2)\r\n"));
        var ok = Assert.Single(Sent("SIP/2.0 200"));
        Assert.Equal("vm-1", Registrar.Header(ok, "Call-ID"));
        Assert.True(_adapter.Port(1).Line.MessageWaiting);
        Assert.Contains("led tel1 message-waiting", _events.Log);

        _adapter.OnHook(1, true, _call.Now);
        _call.Advance(40);
        Assert.Equal("stutter", _adapter.Port(1).Line.ToneName);
        Assert.Contains("led tel1 slow-blink", _events.Log);
        _adapter.OnHook(1, false, _call.Now);
        _call.Advance(400);

        _call.Deliver(Notify("Messages-Waiting: no\r\n"));
        Assert.False(_adapter.Port(1).Line.MessageWaiting);
        Assert.Equal("led tel1 solid", _events.Log.Last(l => l.StartsWith("led tel1", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_line_subscribes_once_registered_answers_the_challenge_and_refreshes_before_expiry()
    {
        var subscribe = Assert.Single(Sent("SUBSCRIBE "));
        Assert.StartsWith("SUBSCRIBE sip:2001@127.0.0.1 SIP/2.0", subscribe);
        Assert.Equal("message-summary", Registrar.Header(subscribe, "Event"));
        Assert.Equal("application/simple-message-summary", Registrar.Header(subscribe, "Accept"));
        Assert.Equal("3600", Registrar.Header(subscribe, "Expires"));

        _call.Deliver(Registrar.Respond(subscribe, 401, "Unauthorized", Registrar.Challenge));
        string authorised = Sent("SUBSCRIBE ").Last();
        Assert.Contains("Authorization: Digest", authorised);
        Assert.Equal(Registrar.Header(subscribe, "Call-ID"), Registrar.Header(authorised, "Call-ID"));

        _call.Deliver(Registrar.Respond(authorised, 200, "OK", "Expires: 600"));
        var subscription = _adapter.Subscription(1)!;
        Assert.Equal(MessageSummarySubscription.Active, subscription.State);
        Assert.Equal(600, subscription.GrantedExpires);

        _call.Advance(470000);
        Assert.Equal(2, Sent("SUBSCRIBE ").Count);
        _call.Advance(10020);
        string refresh = Sent("SUBSCRIBE ").Last();
        Assert.Equal(3, Sent("SUBSCRIBE ").Select(s => Registrar.Header(s, "CSeq")).Distinct().Count());
        Assert.Equal(Registrar.Header(subscribe, "Call-ID"), Registrar.Header(refresh, "Call-ID"));
        Assert.Contains("tag=reg1", Registrar.Header(refresh, "To"));

        // A NOTIFY in the subscription's dialog counts as much as an unsolicited one.
        _call.Deliver(Notify("Messages-Waiting: yes\r\n", Registrar.Header(subscribe, "Call-ID")));
        Assert.True(_adapter.Port(1).Line.MessageWaiting);
    }

    [Fact]
    public void A_refused_subscription_is_tried_again_after_the_back_off_with_a_new_dialog()
    {
        string subscribe = Sent("SUBSCRIBE ").Single();
        _call.Deliver(Registrar.Respond(subscribe, 489, "Bad Event"));
        var subscription = _adapter.Subscription(1)!;
        Assert.Equal(MessageSummarySubscription.Waiting, subscription.State);
        long wait = subscription.DueAt - _call.Now;
        Assert.InRange(wait, MessageSummarySubscription.RetryBaseMs / 2, MessageSummarySubscription.RetryBaseMs);

        _call.Advance(wait - 100);
        Assert.Single(Sent("SUBSCRIBE "));
        _call.Advance(200);
        string again = Sent("SUBSCRIBE ").Last();
        Assert.NotEqual(Registrar.Header(subscribe, "Call-ID"), Registrar.Header(again, "Call-ID"));

        _call.Deliver(Registrar.Respond(again, 489, "Bad Event"));
        Assert.InRange(subscription.DueAt - _call.Now, MessageSummarySubscription.RetryBaseMs, MessageSummarySubscription.RetryBaseMs * 2);
    }

    [Fact]
    public void A_subscription_that_gets_no_answer_fails_after_timer_F_and_backs_off()
    {
        _call.Advance(33000);
        Assert.Equal(MessageSummarySubscription.Waiting, _adapter.Subscription(1)!.State);
        Assert.Equal(1, _adapter.Subscription(1)!.Failures);
    }

    [Theory]
    [InlineData("Messages-Waiting: yes", true)]
    [InlineData("messages-waiting:NO\r\nVoice-Message: 0/3", false)]
    public void The_summary_body_is_read(string body, bool waiting)
    {
        Assert.Equal(waiting, MessageSummary.Parse(body)!.Waiting);
        Assert.Null(MessageSummary.Parse("Voice-Message: 1/0"));
    }

    [Fact]
    public void The_message_waiting_pattern_is_lit_with_a_short_dark_gap_and_only_on_an_idle_registered_line()
    {
        Assert.True(LedTable.IsLit(LedPattern.MessageWaiting, 0, 100));
        Assert.False(LedTable.IsLit(LedPattern.MessageWaiting, 0, 1700));
        Assert.True(LedTable.IsLit(LedPattern.MessageWaiting, 0, 2100));
        var faults = new Faults.FaultBoard();
        Assert.Equal(LedPattern.MessageWaiting, LedRules.Tel(1, true, true, LineState.Idle, true, faults, out _));
        Assert.Equal(LedPattern.FastBlink, LedRules.Tel(1, true, true, LineState.Ringing, true, faults, out _));
        Assert.Equal(LedPattern.SlowBlink, LedRules.Tel(1, true, true, LineState.OffHook, true, faults, out _));
        Assert.Equal(LedPattern.SlowBlink, LedRules.Tel(1, true, false, LineState.Idle, true, faults, out _));
        Assert.Contains("| lit, dark briefly every 2 s | a message is waiting", LedGuide.Markdown());
    }

    private static string ConfigWith(int version, string messageWaiting) =>
        Config.Replace("\"version\":3", $"\"version\":{version}", StringComparison.Ordinal)
            .Replace("\"registrarProbeSeconds\":0", "\"registrarProbeSeconds\":0,\"messageWaiting\":" + messageWaiting, StringComparison.Ordinal);

    private string VoicemailInHealth()
    {
        var health = Ata.Core.Json.JsonReader.ParseObject(_adapter.HealthJson(_call.Now));
        var line = (System.Collections.Hashtable)Ata.Core.Json.JsonObject.GetArray(health, Ata.Core.Contract.Fields.Lines)![0]!;
        return (string)line[Ata.Core.Contract.Fields.Voicemail]!;
    }

    [Fact]
    public void Message_waiting_is_on_by_default_provisionable_per_line_and_refused_when_not_true_or_false()
    {
        var doc = ProvisioningDocument.Parse(Config, out _)!;
        Assert.True(doc.Line(1)!.MessageWaiting);
        var off = ProvisioningDocument.Parse(ConfigWith(4, "false"), out string? error)!;
        Assert.Null(error);
        Assert.False(off.Line(1)!.MessageWaiting);
        Assert.False(ProvisioningDocument.Parse(off.ToJson(), out _)!.Line(1)!.MessageWaiting);
        Assert.Null(ProvisioningDocument.Parse(ConfigWith(4, "\"off\""), out error));
        Assert.Equal("lines[0].messageWaiting: must be true or false", error);
    }

    [Fact]
    public void With_message_waiting_off_the_line_never_subscribes_and_a_NOTIFY_is_answered_but_lights_nothing()
    {
        var socket = new FakeSocket();
        var adapter = new Adapter("ata-2", new FakeDevice(), socket, new FakeResolver(), new ILed[4], new RecordingEvents(), new Random(7), 0);
        var call = new CallHarness(adapter);
        adapter.Apply(ProvisioningDocument.Parse(ConfigWith(3, "false"), out _)!, 0);
        call.Deliver(Registrar.Respond(socket.Last, 200, "OK"));
        call.Advance(120000);

        Assert.DoesNotContain(socket.Sent, s => s.Text.StartsWith("SUBSCRIBE ", StringComparison.Ordinal));
        call.Deliver(Notify("Messages-Waiting: yes\r\n"));
        Assert.StartsWith("SIP/2.0 200 OK", socket.Last);
        Assert.False(adapter.Port(1).Line.MessageWaiting);
    }

    [Fact]
    public void Switching_message_waiting_off_unsubscribes_with_expires_0_puts_the_light_out_and_stays_unsubscribed()
    {
        // The voicemail system answers along the registrar's Record-Route, from its own Contact.
        string subscribe = Sent("SUBSCRIBE ").Single();
        _call.Deliver(Registrar.Respond(subscribe, 200, "OK", "Expires: 600", "Record-Route: <sip:127.0.0.1:5070;lr>", "Contact: <sip:voicemail@192.0.2.50:5080>"));
        _call.Deliver(Notify("Messages-Waiting: yes\r\n", Registrar.Header(subscribe, "Call-ID")));
        Assert.True(_adapter.Port(1).Line.MessageWaiting);
        Assert.Equal("waiting", VoicemailInHealth());

        _adapter.Apply(ProvisioningDocument.Parse(ConfigWith(4, "false"), out _)!, _call.Now);
        _call.Advance(20);

        string unsubscribe = Sent("SUBSCRIBE ").Last();
        Assert.Equal(2, Sent("SUBSCRIBE ").Count);
        Assert.Equal("0", Registrar.Header(unsubscribe, "Expires"));
        Assert.StartsWith("SUBSCRIBE sip:voicemail@192.0.2.50:5080 SIP/2.0", unsubscribe);
        Assert.Equal("<sip:127.0.0.1:5070;lr>", Registrar.Header(unsubscribe, "Route"));
        Assert.Equal(Registrar.Header(subscribe, "Call-ID"), Registrar.Header(unsubscribe, "Call-ID"));
        Assert.Contains("tag=reg1", Registrar.Header(unsubscribe, "To"));
        Assert.False(_adapter.Port(1).Line.MessageWaiting);
        Assert.Equal("led tel1 solid", _events.Log.Last(l => l.StartsWith("led tel1", StringComparison.Ordinal)));
        Assert.Equal("off", VoicemailInHealth());

        // The voicemail system's last NOTIFY (terminated) is answered and changes nothing; nothing more is sent.
        _call.Deliver(Registrar.Respond(unsubscribe, 200, "OK", "Expires: 0"));
        _call.Deliver(Notify("Messages-Waiting: yes\r\n", Registrar.Header(subscribe, "Call-ID"), "terminated;reason=timeout"));
        Assert.StartsWith("SIP/2.0 200 OK", _socket.Last);
        Assert.False(_adapter.Port(1).Line.MessageWaiting);
        _call.Advance(500000);
        Assert.Equal(2, Sent("SUBSCRIBE ").Count);

        // On again: subscribed afresh.
        _adapter.Apply(ProvisioningDocument.Parse(ConfigWith(5, "true"), out _)!, _call.Now);
        _call.Advance(20);
        Assert.Equal(3, Sent("SUBSCRIBE ").Count);
        Assert.Equal("3600", Registrar.Header(Sent("SUBSCRIBE ").Last(), "Expires"));
        Assert.NotEqual(Registrar.Header(subscribe, "Call-ID"), Registrar.Header(Sent("SUBSCRIBE ").Last(), "Call-ID"));
        Assert.Equal("none", VoicemailInHealth());
    }
}
