using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Ata.Gateway.Instances;
using Ata.Gateway.Store;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Incidents;

/// <summary>A message of the outbox, due on one channel.</summary>
/// <param name="OutboxId">Its row.</param>
/// <param name="Channel">The channel.</param>
/// <param name="IdempotencyKey">The key the receiver deduplicates by.</param>
/// <param name="Event">opened, flapping or resolved.</param>
/// <param name="Subject">One line.</param>
/// <param name="Payload">The report's JSON.</param>
/// <param name="Attempts">Failed attempts so far.</param>
public sealed record OutboxMessage(long OutboxId, string Channel, string IdempotencyKey, string Event, string Subject, string Payload, int Attempts);

/// <summary>
/// Delivers the outbox at least once per channel, each message with its idempotency key, retrying
/// with <see cref="RelayBackoff"/>; a message waits for earlier ones about the same incident, so a
/// resolution never overtakes its opening. Also moves incidents on with time (<see cref="IncidentBook.Tick"/>).
/// </summary>
/// <remarks>
/// Several gateway instances relay the one outbox between them: each delivery is claimed first (a
/// lease, <see cref="Leases.OutboxClaimPrefix"/>, for <see cref="ClaimTerm"/>), so one instance makes
/// it; a claim whose instance died lapses and another instance makes the delivery (at least once, with
/// its idempotency key). Incidents are moved on by the instance holding the scans' lease.
/// </remarks>
public sealed partial class FaultRelay(
    AdapterStore store, IncidentBook book, IOptions<RelayOptions> options, TimeProvider time, GatewayInstance instance, Leases leases,
    ILogger<FaultRelay> logger)
    : BackgroundService
{
    /// <summary>The webhook's signature header: <c>sha256=</c> and the hex HMAC-SHA256 of <c>{timestamp}.{body}</c>.</summary>
    public const string SignatureHeader = "X-Ata-Signature";

    /// <summary>The webhook's timestamp header (Unix seconds), part of what is signed.</summary>
    public const string TimestampHeader = "X-Ata-Timestamp";

    /// <summary>The idempotency key header.</summary>
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>How long a claimed delivery is left to its instance before another may make it (longer than any attempt takes).</summary>
    public static readonly TimeSpan ClaimTerm = TimeSpan.FromMinutes(2);

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private RelayOptions Options => options.Value;

    /// <summary>Moves incidents on and delivers what is due now; returns how many deliveries succeeded.</summary>
    /// <param name="cancellationToken">Stops between messages.</param>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (instance.HoldsScans())
        {
            using var connection = store.Open();
            using var transaction = connection.BeginTransaction();
            book.Tick(connection, now);
            transaction.Commit();
        }

        var delivered = 0;
        foreach (var message in Due(now))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var claim = $"{Leases.OutboxClaimPrefix}{message.OutboxId}:{message.Channel}";
            if (!leases.TryHold(claim, instance.Holder, ClaimTerm))
            {
                continue;
            }

            bool due;
            using (var reading = store.Open())
            {
                due = Outbox.IsStillDue(reading, message, now);
            }

            if (!due)
            {
                // Another instance made it (or tried and put it off) between the read and the claim.
                leases.Forget(claim);
                continue;
            }

            string? error = null;
            try
            {
                await SendAsync(message, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException or InvalidOperationException
                || MailChannel.IsDeliveryFailure(exception)
                || (exception is TaskCanceledException or OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                error = exception.Message;
            }

            using var connection = store.Open();
            if (error is null)
            {
                Outbox.Delivered(connection, message, time.GetUtcNow());
                LogDelivered(message.Channel, message.IdempotencyKey, message.Subject);
                delivered++;
            }
            else
            {
                var wait = RelayBackoff.Delay(message.Attempts + 1, TimeSpan.FromSeconds(Options.MaxBackoffSeconds));
                Outbox.Failed(connection, message, time.GetUtcNow() + wait, error);
                LogRetrying(message.Channel, message.IdempotencyKey, message.Attempts + 1, wait.TotalSeconds, error);
            }

            leases.Forget(claim);
        }

        return delivered;
    }

    /// <summary>Deliveries not made yet, per channel (for metrics and the dashboard).</summary>
    public IReadOnlyDictionary<string, long> Pending()
    {
        using var connection = store.Open();
        return Outbox.Pending(connection);
    }

    /// <summary>The signature of a webhook body.</summary>
    /// <param name="secret">The shared secret.</param>
    /// <param name="timestamp">The timestamp header's value.</param>
    /// <param name="body">The body.</param>
    public static string Sign(string secret, string timestamp, string body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "." + body)));
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var channels = Options.Channels;
        LogChannels(channels.Count == 0 ? "none (set Relay:WebhookUrl or Relay:SmtpHost and Relay:MailTo)" : string.Join(", ", channels));
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Clamp(Options.PollMilliseconds, 50, 60_000)), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogRelayFailed(exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private List<OutboxMessage> Due(DateTimeOffset now)
    {
        using var connection = store.Open();
        return Outbox.Due(connection, now);
    }

    private Task SendAsync(OutboxMessage message, CancellationToken cancellationToken) => message.Channel switch
    {
        RelayOptions.Webhook => PostAsync(message, cancellationToken),
        RelayOptions.Email => MailAsync(message, cancellationToken),
        _ => throw new InvalidOperationException($"The channel '{message.Channel}' is not configured any more."),
    };

    private async Task PostAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var url = Options.WebhookUrl ?? throw new InvalidOperationException("Relay:WebhookUrl is not set any more.");
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(message.Payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(IdempotencyHeader, message.IdempotencyKey);
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add("X-Ata-Event", message.Event);
        if (Options.WebhookSecret is { Length: > 0 } secret)
        {
            request.Headers.Add(SignatureHeader, Sign(secret, timestamp, message.Payload));
        }

        using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"the webhook answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }
    }

    private Task MailAsync(OutboxMessage message, CancellationToken cancellationToken) =>
        MailChannel.SendAsync(Options, message.Subject, IncidentReport.Text((JsonObject)JsonNode.Parse(message.Payload)!), message.IdempotencyKey, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fault relay channels: {Channels}")]
    private partial void LogChannels(string channels);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered {Key} by {Channel}: {Subject}")]
    private partial void LogDelivered(string channel, string key, string subject);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivering {Key} by {Channel} failed (attempt {Attempt}); retrying in {Seconds} s: {Error}")]
    private partial void LogRetrying(string channel, string key, int attempt, double seconds, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "The fault relay failed; it goes on at the next tick")]
    private partial void LogRelayFailed(Exception exception);
}
