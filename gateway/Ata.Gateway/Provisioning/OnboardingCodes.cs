using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ata.Core.Onboarding;
using Ata.Gateway.Broker;
using Ata.Gateway.Store;
using System.Data.Common;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Provisioning;

/// <summary>An onboarding code issued for an adapter, shown once to the admin who asked.</summary>
/// <param name="DeviceId">The adapter.</param>
/// <param name="Code">The code the technician types (<c>onboard CODE</c>); it carries the new device secret.</param>
/// <param name="Broker">The <c>host:port</c> the code sends the adapter to.</param>
/// <param name="ExpiresAt">When the code stops working if no adapter has logged in with it.</param>
/// <param name="CaFingerprint">The broker CA's SHA-256 (lowercase hex) the code pins; null when it sends the adapter to a plaintext broker.</param>
/// <param name="CaPem">
/// The broker's CA certificate (PEM) for the technician to paste on the console after the code (the
/// adapter keeps it only when its SHA-256 is the code's); null with <paramref name="CaFingerprint"/>.
/// </param>
public sealed record IssuedOnboardingCode(string DeviceId, string Code, string Broker, DateTimeOffset ExpiresAt, string? CaFingerprint, string? CaPem)
{
    /// <summary>Keeps the code out of logs.</summary>
    public override string ToString() => $"{DeviceId} (until {ExpiresAt:O})";
}

/// <summary>Where an adapter is with onboarding.</summary>
/// <param name="Needed">Whether it needs onboarding (it erased itself and has not logged in with a new code since).</param>
/// <param name="Since">Since when.</param>
/// <param name="Reason">Why (e.g. <c>factory reset</c>).</param>
/// <param name="CodeExpiresAt">When its waiting onboarding code expires, or null when none waits.</param>
public sealed record OnboardingState(bool Needed, DateTimeOffset? Since, string? Reason, DateTimeOffset? CodeExpiresAt);

/// <summary>Why an onboarding code cannot be made for an adapter.</summary>
/// <param name="message">What to fix.</param>
public sealed class OnboardingCodeException(string message) : Exception(message);

/// <summary>
/// One-time onboarding codes. Issuing one replaces the adapter's device secret at the broker at once
/// with a random new one (as revoking does) and writes it, with the broker's address for adapters,
/// into the code (<see cref="OnboardingCode"/>) with the SHA-256 of the broker's CA, which pins the
/// CA certificate the technician pastes after the code; the gateway keeps only the secret's hash and the
/// code's hash and expiry. The code works once: when an adapter first logs in with it (the broker
/// reports its subscription to its config, or a sweep finds it online since the code was issued)
/// the gateway starts a routine rotation, so the adapter
/// gets a secret of its own in its next config, and the code's secret stops logging in as soon as
/// the adapter has applied it. A code nobody logged in with by its expiry is revoked: its secret is
/// replaced by one nobody knows.
/// </summary>
public sealed partial class OnboardingCodes(
    AdapterStore store, AdapterProvisioning provisioning, IBroker broker, IOptions<OnboardingOptions> options,
    TimeProvider time, ILogger<OnboardingCodes> logger) : BackgroundService
{
    private const string Actor = "onboarding";
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Creates the table.</summary>
    /// <param name="connection">An open connection (in the schema transaction).</param>
    public static void CreateSchema(DbConnection connection) =>
        StoreDatabase.Execute(connection, StoreSql.Tables(StoreDatabase.DialectOf(connection),
            """
            CREATE TABLE IF NOT EXISTS onboarding_codes (
                device_id TEXT PRIMARY KEY REFERENCES adapters (device_id) ON DELETE CASCADE,
                code_hash TEXT NOT NULL,
                issued_at TEXT NOT NULL,
                expires_at TEXT NOT NULL
            ) STRICT;
            CREATE TABLE IF NOT EXISTS onboarding_needed (
                device_id TEXT PRIMARY KEY REFERENCES adapters (device_id) ON DELETE CASCADE,
                since TEXT NOT NULL,
                reason TEXT NOT NULL
            ) STRICT;
            """));

    /// <summary>
    /// Marks <paramref name="deviceId"/> as needing onboarding (it erased itself: a factory reset it
    /// confirmed), until it logs in with a new onboarding code.
    /// </summary>
    /// <param name="connection">An open connection (in the ingest batch that recorded the confirmation).</param>
    /// <param name="deviceId">The adapter.</param>
    /// <param name="reason">Why, for the adapter's page.</param>
    /// <param name="now">When, as the store writes times.</param>
    public static void MarkNeeded(DbConnection connection, string deviceId, string reason, string now) =>
        StoreDatabase.Execute(connection,
            "INSERT INTO onboarding_needed (device_id, since, reason) VALUES (@id, @now, @reason) ON CONFLICT (device_id) DO UPDATE SET since = @now, reason = @reason",
            ("@id", deviceId), ("@now", now), ("@reason", reason));

    /// <summary>Whether <paramref name="deviceId"/> needs onboarding, since when and why, and when its waiting code expires.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    public OnboardingState State(string deviceId)
    {
        using var connection = store.Open();
        using var command = StoreDatabase.Command(connection, "SELECT since, reason FROM onboarding_needed WHERE device_id = @id", ("@id", deviceId));
        using var reader = command.ExecuteReader();
        var needed = reader.Read();
        return new OnboardingState(needed, needed ? AdapterStore.ParseTime(reader.GetString(0)) : null, needed ? reader.GetString(1) : null, PendingUntil(deviceId));
    }

    /// <summary>
    /// Issues a new code for <paramref name="deviceId"/>: its device secret is replaced at once (the
    /// old one stops logging in), and any earlier code of the adapter stops working.
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="actor">Who asked.</param>
    /// <param name="cancellationToken">Cancels waiting for earlier provisioning.</param>
    /// <returns>The code; null when the adapter is unknown.</returns>
    /// <exception cref="OnboardingCodeException">The broker's address for adapters or the device id cannot be carried by a code.</exception>
    /// <exception cref="BrokerAccountsException">The broker's accounts cannot be written: nothing was changed.</exception>
    public async Task<IssuedOnboardingCode?> IssueAsync(string deviceId, string actor, CancellationToken cancellationToken)
    {
        if (store.Find(deviceId) is null)
        {
            return null;
        }

        // TLS whenever the gateway knows the broker's CA (the embedded broker always does); plaintext only for an external broker it does not.
        var tls = broker.DeviceTls is { } known && broker.DeviceTlsAddress is { } tlsAddress ? (Address: tlsAddress, Ca: known) : default;
        var address = tls.Address ?? broker.DeviceAddress ?? throw new OnboardingCodeException(
            "The gateway knows no address where adapters reach the broker: set Broker:AdvertisedHost.");
        var (host, port) = SplitAddress(address);
        var random = RandomNumberGenerator.GetBytes(OnboardingCode.SecretBytes);
        var code = OnboardingCode.Encode(host, port, deviceId, random, tls.Ca is null ? null : Convert.FromHexString(tls.Ca.CaFingerprint))
            ?? throw new OnboardingCodeException(
                $"The broker's address for adapters ({address}) or the device id cannot be written into a code: set Broker:AdvertisedHost to a host name or IPv4 address.");
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await provisioning.ReplaceSecretAsync(deviceId, OnboardingCode.SecretOf(random), actor, cancellationToken).ConfigureAwait(false) is null)
            {
                return null;
            }

            var now = time.GetUtcNow();
            var expires = now.AddSeconds(options.Value.CodeLifetimeSeconds);
            using var connection = store.Open();
            StoreDatabase.Execute(connection,
                """
                INSERT INTO onboarding_codes (device_id, code_hash, issued_at, expires_at) VALUES (@id, @hash, @now, @expires)
                ON CONFLICT (device_id) DO UPDATE SET code_hash = @hash, issued_at = @now, expires_at = @expires
                """,
                ("@id", deviceId), ("@hash", Hash(code)), ("@now", Incidents.IncidentBook.Text(now)), ("@expires", Incidents.IncidentBook.Text(expires)));
            LogIssued(deviceId, expires);
            return new IssuedOnboardingCode(deviceId, code, address, expires, tls.Ca?.CaFingerprint, tls.Ca?.CaPem);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>When <paramref name="deviceId"/>'s code expires, or null when it has no code waiting for its first login.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    public DateTimeOffset? PendingUntil(string deviceId)
    {
        using var connection = store.Open();
        using var command = StoreDatabase.Command(connection, "SELECT expires_at FROM onboarding_codes WHERE device_id = @id", ("@id", deviceId));
        return command.ExecuteScalar() is string expires ? AdapterStore.ParseTime(expires) : null;
    }

    /// <inheritdoc/>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        broker.ConfigSubscribed += LoggedIn;
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public override Task StopAsync(CancellationToken cancellationToken)
    {
        broker.ConfigSubscribed -= LoggedIn;
        return base.StopAsync(cancellationToken);
    }

    /// <summary>Looks for used and expired codes at start and every <see cref="OnboardingOptions.SweepSeconds"/>.</summary>
    /// <param name="stoppingToken">Stops the sweeps.</param>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SweepSeconds), time);
        do
        {
            try
            {
                await ExpireAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is DbException or IOException or BrokerAccountsException)
            {
                LogSweepFailed(exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Ends every code that was used (its adapter is online and reported since the code was issued: the
    /// way a first login shows with a broker that does not report subscriptions) or expired unused.
    /// </summary>
    /// <param name="cancellationToken">Cancels waiting for earlier provisioning.</param>
    public async Task ExpireAsync(CancellationToken cancellationToken)
    {
        var ended = new List<string>();
        using (var connection = store.Open())
        using (var command = StoreDatabase.Command(connection,
            """
            SELECT c.device_id FROM onboarding_codes c LEFT JOIN adapter_state s ON s.device_id = c.device_id
            WHERE c.expires_at <= @now OR (s.online = 1 AND s.last_seen > c.issued_at)
            """,
            ("@now", Incidents.IncidentBook.Text(time.GetUtcNow()))))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                ended.Add(reader.GetString(0));
            }
        }

        foreach (var deviceId in ended)
        {
            await FinishAsync(deviceId, loggedIn: false, cancellationToken).ConfigureAwait(false);
        }
    }

    private void LoggedIn(string deviceId) => _ = FinishInBackgroundAsync(deviceId);

    private async Task FinishInBackgroundAsync(string deviceId)
    {
        try
        {
            await FinishAsync(deviceId, loggedIn: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is DbException or IOException or BrokerAccountsException)
        {
            LogNotFinished(exception, deviceId);
        }
    }

    /// <summary>
    /// Ends <paramref name="deviceId"/>'s code, if it has one: used in time (it has just logged in, or
    /// is online and reported since the code was issued), its secret is rotated away in band; expired unused, it is
    /// replaced by one nobody knows. The code is forgotten only once that is done.
    /// </summary>
    private async Task FinishAsync(string deviceId, bool loggedIn, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            DateTimeOffset expires;
            bool seen;
            using (var connection = store.Open())
            using (var command = StoreDatabase.Command(connection,
                """
                SELECT c.expires_at, CASE WHEN s.online = 1 AND s.last_seen > c.issued_at THEN 1 ELSE 0 END FROM onboarding_codes c
                LEFT JOIN adapter_state s ON s.device_id = c.device_id WHERE c.device_id = @id
                """,
                ("@id", deviceId)))
            using (var reader = command.ExecuteReader())
            {
                if (!reader.Read())
                {
                    return;
                }

                expires = AdapterStore.ParseTime(reader.GetString(0));
                seen = reader.GetInt64(1) != 0;
            }

            var expired = expires <= time.GetUtcNow();
            if (seen || (loggedIn && !expired))
            {
                await provisioning.RotateSecretAsync(deviceId, Actor, cancellationToken).ConfigureAwait(false);
                LogUsed(deviceId);
            }
            else if (expired)
            {
                var unknown = OnboardingCode.SecretOf(RandomNumberGenerator.GetBytes(OnboardingCode.SecretBytes));
                await provisioning.ReplaceSecretAsync(deviceId, unknown, Actor, cancellationToken).ConfigureAwait(false);
                LogExpired(deviceId);
            }
            else
            {
                return;
            }

            using var forget = store.Open();
            StoreDatabase.Execute(forget, "DELETE FROM onboarding_codes WHERE device_id = @id", ("@id", deviceId));
            if (seen || loggedIn)
            {
                StoreDatabase.Execute(forget, "DELETE FROM onboarding_needed WHERE device_id = @id", ("@id", deviceId));
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The host and port of a <c>host:port</c> (an IPv6 host in brackets).</summary>
    internal static (string Host, int Port) SplitAddress(string address)
    {
        var colon = address.LastIndexOf(':');
        var host = address[..colon].Trim('[', ']');
        return (host, int.Parse(address[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture));
    }

    private static string Hash(string code) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(code)));

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter {DeviceId}: onboarding code issued, valid until {ExpiresAt:O} or its first login; the previous device secret no longer logs in")]
    private partial void LogIssued(string deviceId, DateTimeOffset expiresAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter {DeviceId} logged in with its onboarding code: the code is used up, a secret of its own follows in its config")]
    private partial void LogUsed(string deviceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Adapter {DeviceId}: onboarding code expired unused; its secret no longer logs in (issue a new code)")]
    private partial void LogExpired(string deviceId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Adapter {DeviceId}: ending its onboarding code failed; it is tried again on its next login, or revoked once it expires")]
    private partial void LogNotFinished(Exception exception, string deviceId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Looking for expired onboarding codes failed")]
    private partial void LogSweepFailed(Exception exception);
}
