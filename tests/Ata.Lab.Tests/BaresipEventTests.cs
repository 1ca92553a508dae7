namespace Ata.Lab.Tests;

public sealed class BaresipEventTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_call_event_gives_type_peer_call_id_direction_and_param()
    {
        const string json = """{"event":true,"type":"CALL_DTMF_START","class":"call","accountaor":"sip:2002@127.0.0.1:15060","direction":"incoming","peeruri":"sip:2001@127.0.0.1:15060","id":"2d26691498816e33","param":"5"}""";

        Assert.True(BaresipEvent.TryParse(json, Now, out var parsed));

        Assert.Equal(new BaresipEvent(BaresipEvent.DtmfStart, "sip:2001@127.0.0.1:15060", "2d26691498816e33", "incoming", "5", Now), parsed);
    }

    [Theory]
    [InlineData("""{"response":true,"ok":true,"data":"","token":"1"}""")]
    [InlineData("""{"event":true}""")]
    [InlineData("not json")]
    public void Responses_and_other_text_are_not_events(string text) =>
        Assert.False(BaresipEvent.TryParse(text, Now, out _));

    [Fact]
    public async Task Options_baresip_cannot_use_are_refused_before_anything_starts()
    {
        var microphone = Path.GetTempFileName();
        try
        {
            await Assert.ThrowsAsync<ArgumentException>(() => BaresipPhone.StartAsync(new BaresipPhoneOptions { User = "bad user", Microphone = microphone }));
            await Assert.ThrowsAsync<ArgumentException>(() => BaresipPhone.StartAsync(new BaresipPhoneOptions { User = "2001", Password = "a;b", Microphone = microphone }));
            await Assert.ThrowsAsync<ArgumentException>(() => BaresipPhone.StartAsync(new BaresipPhoneOptions { User = "2001", Registrar = "registrar.lab", Microphone = microphone }));
            await Assert.ThrowsAsync<ArgumentException>(() => BaresipPhone.StartAsync(new BaresipPhoneOptions { User = "2001", Codecs = ["opus"], Microphone = microphone }));
            await Assert.ThrowsAsync<ArgumentException>(() => BaresipPhone.StartAsync(new BaresipPhoneOptions { User = "2001", Microphone = microphone + ".missing" }));
        }
        finally
        {
            File.Delete(microphone);
        }
    }

    [Fact]
    public async Task A_wrong_password_fails_the_start_with_the_registrars_refusal_in_the_message()
    {
        await using var registrar = await KamailioRegistrar.StartAsync(new Dictionary<string, string> { ["2001"] = "right" });
        var microphone = Path.Combine(Path.GetTempPath(), $"silence-{Guid.NewGuid():N}.wav");
        new Ata.Tests.Audio.WavFile(new short[8000], 8000).Write(microphone);
        try
        {
            var error = await Assert.ThrowsAsync<TimeoutException>(() => BaresipPhone.StartAsync(new BaresipPhoneOptions
            {
                User = "2001",
                Password = "wrong",
                Registrar = registrar.Address,
                Microphone = microphone,
                StartTimeout = TimeSpan.FromSeconds(3),
            }));

            Assert.Contains("403", error.Message, StringComparison.Ordinal);
            await registrar.WaitForDecisionAsync(d => d.Reason == "wrong-password", TimeSpan.FromSeconds(5));
        }
        finally
        {
            File.Delete(microphone);
        }
    }
}
