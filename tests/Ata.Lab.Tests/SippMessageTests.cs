namespace Ata.Lab.Tests;

/// <summary>sipp's message log read back: direction, text and when each message went.</summary>
public sealed class SippMessageTests
{
    [Fact]
    public void The_log_gives_each_message_its_direction_text_and_time()
    {
        const string log = "----------------------------------------------- 2026-12-06 08:47:33.295221\n" +
            "UDP message received [40] bytes :\n\nINVITE sip:112@127.0.0.1:5060 SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n\n" +
            "----------------------------------------------- 2026-12-06 08:47:33.301002\n" +
            "UDP message sent (30 bytes):\n\nSIP/2.0 180 Ringing\r\nCSeq: 1 INVITE\r\n\r\n\n";

        var messages = SippMessage.ParseLog(log);

        Assert.Equal(2, messages.Count);
        Assert.True(messages[0].Received);
        Assert.Equal("INVITE", messages[0].Method);
        Assert.Equal(180, messages[1].StatusCode);
        Assert.Equal(new DateTimeOffset(new DateTime(2026, 12, 6, 8, 47, 33, DateTimeKind.Local).AddTicks(2952210)), messages[0].At);
        Assert.Equal(5.781, (messages[1].At!.Value - messages[0].At!.Value).TotalMilliseconds, 3);
    }
}
