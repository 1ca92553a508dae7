using System.Net;
using Ata.Gateway.Access;
using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Access;

public sealed class SignInThrottleTests
{
    [Fact]
    public void Refuses_an_address_after_too_many_failures_until_they_age_out()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero));
        var throttle = new SignInThrottle(time);
        for (int i = 0; i < SignInThrottle.MaxFailures; i++)
        {
            Assert.True(throttle.MayTry("192.0.2.1", out _));
            throttle.Failed("192.0.2.1");
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.False(throttle.MayTry("192.0.2.1", out var wait));
        Assert.Equal(SignInThrottle.Window - TimeSpan.FromSeconds(SignInThrottle.MaxFailures), wait);
        Assert.True(throttle.MayTry("192.0.2.2", out _));

        time.Advance(wait);
        Assert.True(throttle.MayTry("192.0.2.1", out _));
    }
}

public sealed class SignInThrottleEndToEndTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Guessing_keys_at_the_sign_in_page_is_slowed_down()
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.Gateway.Http.BaseAddress };
        for (int i = 0; i < SignInThrottle.MaxFailures; i++)
        {
            var wrong = await browser.PostAsync("/login", new FormUrlEncodedContent([new("key", "guess-" + i)]));
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        var refused = await browser.PostAsync("/login", new FormUrlEncodedContent([new("key", RunningGateway.AdminKey)]));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }
}
