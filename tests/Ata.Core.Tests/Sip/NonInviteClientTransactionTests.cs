using System.Text;
using Ata.Core.Sip.Messages;
using Ata.Core.Sip.Transactions;
using Ata.Core.Sip.Transport;

namespace Ata.Core.Tests.Sip;

public class NonInviteClientTransactionTests
{
    private readonly FakeSocket _socket = new();

    private NonInviteClientTransaction Start(SipFlow flow, long now, long timeoutMs = SipTimers.TimerF)
    {
        flow.Open("198.51.100.5", 5060);
        byte[] request = new SipRequestWriter("OPTIONS", "sip:198.51.100.5").Via(flow.ViaTransport, "192.0.2.10", 5062, "z9hG4bKt1")
            .From("sip:a@b", "f").To("sip:198.51.100.5", null).CallId("c1").CSeq(1).ToBytes();
        var t = new NonInviteClientTransaction(flow, "OPTIONS", "z9hG4bKt1", request, timeoutMs);
        Assert.True(t.Start(now));
        return t;
    }

    private static SipResponse Answer(int code, string branch = "z9hG4bKt1", string method = "OPTIONS") =>
        SipResponse.Parse($"SIP/2.0 {code} X\r\nVia: SIP/2.0/UDP 192.0.2.10:5062;branch={branch}\r\nCall-ID: c1\r\nCSeq: 1 {method}\r\n\r\n", out _)!;

    private List<long> RunUntil(NonInviteClientTransaction t, long from, long to, long step)
    {
        var sends = new List<long>();
        for (long now = from; now <= to && t.State != NonInviteClientTransaction.Terminated; now += step)
        {
            int before = _socket.Sent.Count;
            t.Tick(now);
            if (_socket.Sent.Count > before)
            {
                sends.Add(now);
            }
        }

        return sends;
    }

    [Fact]
    public void Retransmits_on_Timer_E_from_the_first_send_and_times_out_on_Timer_F()
    {
        var t = Start(new SipFlow(_socket, false), 1000);
        var sends = RunUntil(t, 1001, 1000 + SipTimers.TimerF, 1);
        Assert.Equal(new long[] { 1500, 2500, 4500, 8500, 12500, 16500, 20500, 24500, 28500, 32500 }, sends);
        Assert.True(t.TimedOut);
        Assert.Equal(NonInviteClientTransaction.Terminated, t.State);
    }

    [Fact]
    public void A_late_tick_does_not_push_the_later_retransmissions_back()
    {
        var t = Start(new SipFlow(_socket, false), 0);
        t.Tick(1400);
        Assert.Equal(2, _socket.Sent.Count);
        var sends = RunUntil(t, 1500, 8000, 100);
        Assert.Equal(new long[] { 1500, 3500, 7500 }, sends);
    }

    [Fact]
    public void A_provisional_answer_slows_retransmission_to_T2()
    {
        var t = Start(new SipFlow(_socket, false), 0);
        t.Tick(500);
        Assert.True(t.OnResponse(Answer(100), 600));
        Assert.Equal(NonInviteClientTransaction.Proceeding, t.State);
        var sends = RunUntil(t, 700, 14000, 100);
        Assert.Equal(new long[] { 1500, 5500, 9500, 13500 }, sends);
    }

    [Fact]
    public void Never_retransmits_on_TCP()
    {
        var stream = new FakeStream();
        var t = Start(new SipFlow(_socket, true) { Stream = stream }, 0);
        Assert.Empty(RunUntil(t, 1, SipTimers.TimerF - 1, 10));
        Assert.Single(stream.Sent);
        Assert.True(t.Tick(SipTimers.TimerF));
    }

    [Fact]
    public void Passes_the_first_final_answer_on_and_absorbs_its_retransmissions_for_T4()
    {
        var t = Start(new SipFlow(_socket, false), 0);
        Assert.True(t.OnResponse(Answer(200), 100));
        Assert.Equal(NonInviteClientTransaction.Completed, t.State);
        Assert.False(t.OnResponse(Answer(200), 200));
        Assert.Empty(RunUntil(t, 101, 100 + SipTimers.T4 - 1, 50));
        Assert.Equal(NonInviteClientTransaction.Completed, t.State);
        t.Tick(100 + SipTimers.T4);
        Assert.Equal(NonInviteClientTransaction.Terminated, t.State);
        Assert.False(t.TimedOut);
    }

    [Fact]
    public void Matches_on_branch_and_method()
    {
        var t = Start(new SipFlow(_socket, false), 0);
        Assert.True(t.Matches(Answer(200)));
        Assert.False(t.Matches(Answer(200, branch: "z9hG4bKother")));
        Assert.False(t.Matches(Answer(200, method: "REGISTER")));
    }

    [Fact]
    public void Can_time_out_sooner_than_Timer_F()
    {
        var t = Start(new SipFlow(_socket, false), 0, timeoutMs: 15_000);
        Assert.Equal(new long[] { 500, 1500, 3500, 7500, 11500 }, RunUntil(t, 1, 14_999, 1));
        Assert.True(t.Tick(15_000));
    }

    [Fact]
    public void A_TCP_connection_that_is_gone_fails_the_start()
    {
        var stream = new FakeStream();
        var flow = new SipFlow(_socket, true) { Stream = stream };
        flow.Open("198.51.100.5", 5060);
        stream.Closed.Add(flow.Connection);
        var t = new NonInviteClientTransaction(flow, "OPTIONS", "z9hG4bKt2", Encoding.ASCII.GetBytes("x"));
        Assert.False(t.Start(0));
        Assert.Equal(NonInviteClientTransaction.Terminated, t.State);
        Assert.Equal(0, flow.Connection);
    }
}

public class LateAnswersTests
{
    [Fact]
    public void Recognises_answers_to_the_last_few_timed_out_transactions_only()
    {
        var socket = new FakeSocket();
        var flow = new SipFlow(socket, false);
        flow.Open("198.51.100.5", 5060);
        var late = new LateAnswers();
        for (int i = 0; i < LateAnswers.Capacity + 1; i++)
        {
            late.TimedOut(new NonInviteClientTransaction(flow, "OPTIONS", "z9hG4bK" + i, [1]));
        }

        SipResponse AnswerTo(int i) => SipResponse.Parse($"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK{i}\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n", out _)!;
        Assert.False(late.IsLateAnswer(AnswerTo(0)));
        Assert.True(late.IsLateAnswer(AnswerTo(1)));
        Assert.True(late.IsLateAnswer(AnswerTo(LateAnswers.Capacity)));
        late.Clear();
        Assert.False(late.IsLateAnswer(AnswerTo(LateAnswers.Capacity)));
    }
}
