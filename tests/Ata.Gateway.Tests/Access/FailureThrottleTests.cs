using System.Net;
using System.Text.Json.Nodes;
using Ata.Gateway.Access;
using Ata.Gateway.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Tests.Access;

public sealed class FailureThrottleTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Refuses_an_address_after_too_many_failures_until_they_age_out()
    {
        var time = new ManualTime(Start);
        var throttle = new FailureThrottle("sign-in", new ThrottleLimits { MaxFailures = 5, WindowSeconds = 60 }, time, new CapturedLog().CreateLogger<FailureThrottle>());
        for (int i = 0; i < throttle.MaxFailures; i++)
        {
            Assert.True(throttle.MayTry("192.0.2.1", out _));
            throttle.Failed("192.0.2.1");
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.False(throttle.MayTry("192.0.2.1", out var wait));
        Assert.Equal(throttle.Window - TimeSpan.FromSeconds(throttle.MaxFailures), wait);
        Assert.True(throttle.MayTry("192.0.2.2", out _));
        Assert.Equal(1, throttle.Refused);

        time.Advance(wait);
        Assert.True(throttle.MayTry("192.0.2.1", out _));
    }

    [Fact]
    public void Each_lockout_is_logged_once_with_the_address()
    {
        var time = new ManualTime(Start);
        var log = new CapturedLog();
        var throttle = new FailureThrottle("API key", new ThrottleLimits { MaxFailures = 3, WindowSeconds = 10 }, time, log.CreateLogger<FailureThrottle>());
        for (int i = 0; i < 3; i++)
        {
            throttle.Failed("198.51.100.7");
        }

        for (int i = 0; i < 5; i++)
        {
            Assert.False(throttle.MayTry("198.51.100.7", out var wait));
            Assert.Equal(TimeSpan.FromSeconds(10), wait);
        }

        var warning = Assert.Single(log.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal));
        Assert.Contains("198.51.100.7", warning, StringComparison.Ordinal);
        Assert.Contains("API key", warning, StringComparison.Ordinal);
        Assert.Equal((5L, 1L), (throttle.Refused, throttle.Lockouts));

        // The lockout ends; the next failures within the window start a second one, logged again.
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(throttle.MayTry("198.51.100.7", out _));
        throttle.Failed("198.51.100.7");
        throttle.Failed("198.51.100.7");
        Assert.True(throttle.MayTry("198.51.100.7", out _));
        throttle.Failed("198.51.100.7");
        Assert.False(throttle.MayTry("198.51.100.7", out _));
        Assert.Equal(2, log.Lines.Count(l => l.StartsWith("Warning", StringComparison.Ordinal)));
        Assert.Equal(2, throttle.Lockouts);
    }

    [Fact]
    public void Old_failures_are_forgotten_and_addresses_do_not_share_counts()
    {
        var time = new ManualTime(Start);
        var throttle = new FailureThrottle("API key", new ThrottleLimits { MaxFailures = 2, WindowSeconds = 60 }, time, new CapturedLog().CreateLogger<FailureThrottle>());
        throttle.Failed("192.0.2.1");
        time.Advance(TimeSpan.FromSeconds(61));
        throttle.Failed("192.0.2.1");
        throttle.Failed("192.0.2.2");
        Assert.True(throttle.MayTry("192.0.2.1", out _));
        Assert.True(throttle.MayTry("192.0.2.2", out _));

        throttle.Failed("192.0.2.1");
        Assert.False(throttle.MayTry("192.0.2.1", out var wait));
        Assert.Equal(TimeSpan.FromSeconds(60), wait);
        Assert.Equal(60, FailureThrottle.RetryAfterSeconds(wait));
        Assert.Equal(1, FailureThrottle.RetryAfterSeconds(TimeSpan.FromMilliseconds(10)));
    }

    [Fact]
    public void Both_throttles_take_their_limits_from_the_access_options()
    {
        var defaults = new AccessThrottles(Options.Create(new AccessOptions()), TimeProvider.System, new LoggerFactory());
        Assert.Equal((50, TimeSpan.FromMinutes(5)), (defaults.SignIn.MaxFailures, defaults.SignIn.Window));
        Assert.Equal((5, TimeSpan.FromMinutes(15)), (defaults.Account.MaxFailures, defaults.Account.Window));
        Assert.Equal((10, TimeSpan.FromMinutes(1)), (defaults.ApiKey.MaxFailures, defaults.ApiKey.Window));

        var options = new AccessOptions
        {
            SignInThrottle = new ThrottleLimits { MaxFailures = 2, WindowSeconds = 30 },
            ApiKeyThrottle = new ThrottleLimits { MaxFailures = 20, WindowSeconds = 300 },
        };
        var configured = new AccessThrottles(Options.Create(options), TimeProvider.System, new LoggerFactory());
        Assert.Equal((2, TimeSpan.FromSeconds(30)), (configured.SignIn.MaxFailures, configured.SignIn.Window));
        Assert.Equal((20, TimeSpan.FromMinutes(5)), (configured.ApiKey.MaxFailures, configured.ApiKey.Window));
    }
}

public sealed class SignInThrottleEndToEndTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Guessing_keys_at_the_sign_in_page_is_slowed_down()
    {
        using var browser = new DashboardBrowser(fixture.Gateway.Http.BaseAddress!);
        for (int i = 0; i < new AccessOptions().SignInThrottle.MaxFailures; i++)
        {
            var wrong = await browser.SignInAsync("guess-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        var refused = await browser.SignInAsync(RunningGateway.AdminKey);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Single(fixture.Gateway.Log.Lines, l => l.Contains("Too many wrong keys (sign-in)", StringComparison.Ordinal));
    }
}

public sealed class ApiKeyThrottleEndToEndTests : IAsyncLifetime
{
    private const int MaxFailures = 3;
    private const int WindowSeconds = 2;

    private readonly TempDirectory _directory = new();
    private RunningGateway? _gateway;

    private RunningGateway Gateway => _gateway!;

    public async Task InitializeAsync() => _gateway = await RunningGateway.StartAsync(_directory.Path, settings: new Dictionary<string, string?>
    {
        ["Auth:ApiKeyThrottle:MaxFailures"] = MaxFailures.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Auth:ApiKeyThrottle:WindowSeconds"] = WindowSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task Wrong_api_keys_lock_the_address_out_even_for_the_right_key_until_the_window_has_passed()
    {
        using var wrong = Gateway.Client("wrong-key-guess-0001");
        using var signedIn = await SignInAsync();
        for (int i = 0; i < MaxFailures; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/adapters")).StatusCode);
        }

        var refused = await wrong.GetAsync("/api/adapters");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(WindowSeconds));
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        Assert.Equal(429, problem["status"]!.GetValue<int>());
        Assert.Contains("wrong API keys", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        // The right key is not even checked during the lockout (bearer or X-Api-Key), so guessing cannot go on.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Gateway.Http.GetAsync("/api/adapters")).StatusCode);
        using var header = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        header.Headers.Add(ApiKeyAuthentication.HeaderName, RunningGateway.AdminKey);
        using var anonymous = Gateway.Client(null);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await anonymous.SendAsync(header)).StatusCode);

        // A dashboard session (no key presented) and the liveness check are not API-key requests.
        Assert.Equal(HttpStatusCode.OK, (await signedIn.GetAsync("/api/adapters")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);

        var lockouts = Gateway.Log.Lines.Where(l => l.Contains("Too many wrong keys (API key)", StringComparison.Ordinal)).ToList();
        var lockout = Assert.Single(lockouts);
        Assert.StartsWith("Warning", lockout, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", lockout, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-key-guess-0001", Gateway.Log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(RunningGateway.AdminKey, Gateway.Log.Text, StringComparison.Ordinal);

        await Task.Delay(retryAfter.Value + TimeSpan.FromMilliseconds(200));
        Assert.Equal(HttpStatusCode.OK, (await Gateway.Http.GetAsync("/api/adapters")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/adapters")).StatusCode);

        // Operations see the lockout and the three refusals on /metrics.
        var metrics = await Gateway.Http.GetStringAsync("/metrics");
        Assert.Contains("ata_access_lockouts_total{kind=\"api-key\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("ata_access_throttled_total{kind=\"api-key\"} 3\n", metrics, StringComparison.Ordinal);
        Assert.Contains("ata_access_lockouts_total{kind=\"sign-in\"} 0\n", metrics, StringComparison.Ordinal);
    }

    private async Task<HttpClient> SignInAsync()
    {
        var browser = new DashboardBrowser(Gateway.Http.BaseAddress!);
        var signIn = await browser.SignInAsync(RunningGateway.AdminKey);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        return browser.Http;
    }
}
