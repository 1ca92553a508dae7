using System.Text.RegularExpressions;

namespace Ata.Lab;

/// <summary>How a <see cref="BaresipPhone"/> is set up.</summary>
public sealed class BaresipPhoneOptions
{
    /// <summary>The SIP user (its account's user part, and the digest user).</summary>
    public required string User { get; init; }

    /// <summary>The digest password; none for a phone that neither registers nor authenticates.</summary>
    public string? Password { get; init; }

    /// <summary>
    /// The registrar and proxy, <c>ip:port</c>: the account's domain, where it registers and
    /// where its calls go. Without one the phone's domain is its own address (a phone that is called directly).
    /// </summary>
    public string? Registrar { get; init; }

    /// <summary>Whether the phone registers with <see cref="Registrar"/>; an unregistered phone can still place calls through it.</summary>
    public bool Register { get; init; } = true;

    /// <summary>
    /// What the phone's microphone plays: a 16-bit mono 8 kHz WAV file (baresip's aufile module).
    /// baresip ends a call when the file ends, so make it longer than any call (a minute of tone is ~1 MB).
    /// </summary>
    public required string Microphone { get; init; }

    /// <summary>The codecs offered and accepted, in order (G.711 only: <c>PCMA</c>, <c>PCMU</c>).</summary>
    public IReadOnlyList<string> Codecs { get; init; } = ["PCMA", "PCMU"];

    /// <summary>The SIP port on 127.0.0.1 (UDP and TCP; baresip also takes the next port for TLS); a free one when not set.</summary>
    public int? Port { get; init; }

    /// <summary>Where the config, the accounts and the recordings go; a fresh temp folder (deleted on dispose) when not set.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>How long start-up (and registration, when asked for) may take.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>A short name for messages; <c>baresip-&lt;user&gt;</c> when not set.</summary>
    public string? Name { get; init; }
}

/// <summary>
/// A real baresip (Debian <c>baresip-core</c> 1.0.0) as an independent phone for call tests: a
/// generated config on loopback, G.711 only, the microphone played from a WAV file (aufile), the
/// far end's audio recorded to WAV (sndfile), driven through its control socket (ctrl_tcp: JSON
/// in netstrings) to dial, answer, hang up and send keys as RFC 4733 telephone-events; its
/// events (incoming call, established, closed, keys received) are kept and can be waited for.
/// </summary>
/// <remarks>
/// Recordings: one pair per call in <see cref="RecordingDirectory"/>, named by the second the call's
/// audio started (<c>dump-YYYY-MM-DD-hh-mm-ss-dec.wav</c> what the phone heard, <c>-enc.wav</c> what
/// it sent); two calls started within one second share a name. <see cref="FarEndRecording"/> is the latest.
/// </remarks>
public sealed partial class BaresipPhone : IAsyncDisposable
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(100);

    private readonly BaresipPhoneOptions options;
    private readonly ManagedProcess baresip;
    private readonly bool ownsWorkDirectory;
    private readonly EventLog<BaresipEvent> events = new();
    private BaresipControl? control;

    private BaresipPhone(BaresipPhoneOptions options, ManagedProcess baresip, int port, int controlPort, string workDirectory, bool ownsWorkDirectory)
    {
        this.options = options;
        this.baresip = baresip;
        Port = port;
        ControlPort = controlPort;
        WorkDirectory = workDirectory;
        this.ownsWorkDirectory = ownsWorkDirectory;
    }

    /// <summary>Raised for every event, on the control socket's reader.</summary>
    public event EventHandler<BaresipEvent>? EventRaised;

    /// <summary>The SIP user.</summary>
    public string User => options.User;

    /// <summary>The SIP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The phone's SIP address, <c>127.0.0.1:port</c>.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>The account's address of record, <c>sip:user@domain</c>.</summary>
    public string Uri => $"sip:{User}@{Domain}";

    /// <summary>The control socket's TCP port on 127.0.0.1.</summary>
    public int ControlPort { get; }

    /// <summary>The folder holding the config, the accounts file and the recordings.</summary>
    public string WorkDirectory { get; }

    /// <summary>Where the calls' recordings go.</summary>
    public string RecordingDirectory => Path.Combine(WorkDirectory, "recordings");

    /// <summary>Every event so far, oldest first.</summary>
    public IReadOnlyList<BaresipEvent> Events => events.All;

    /// <summary>The keys the far end sent as telephone-events, in order, across calls.</summary>
    public string ReceivedDigits => string.Concat(Events.Where(e => e.Type == BaresipEvent.DtmfStart).Select(e => e.Param));

    /// <summary>The latest recording of what the phone heard (the far end's audio), or null before any call had audio.</summary>
    public string? FarEndRecording => LatestRecording("-dec.wav");

    /// <summary>The latest recording of what the phone sent (its microphone), or null.</summary>
    public string? MicrophoneRecording => LatestRecording("-enc.wav");

    private string Domain => options.Registrar ?? Address;

    /// <summary>Starts a phone, connects to its control socket and, when it registers, waits until it is registered.</summary>
    /// <param name="options">Who it is and what it plays.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running phone.</returns>
    /// <exception cref="ToolNotInstalledException">baresip is not installed.</exception>
    /// <exception cref="ArgumentException">An option cannot be used.</exception>
    /// <exception cref="InvalidOperationException">baresip exited, or did not open its control socket in time; the message carries its output.</exception>
    /// <exception cref="TimeoutException">It did not register in time (e.g. a wrong password: the message carries the registrar's answer).</exception>
    public static async Task<BaresipPhone> StartAsync(BaresipPhoneOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        BaresipConfig.Validate(options);
        var binary = RequiredTool.Locate("baresip");
        var modules = BaresipConfig.ModulesDirectory();
        var port = options.Port ?? FreePort.UdpAndTcpPair();
        var controlPort = FreePort.Tcp();
        var ownsWorkDirectory = options.WorkDirectory is null;
        var workDirectory = options.WorkDirectory ?? Directory.CreateTempSubdirectory("ata-lab-baresip-").FullName;
        Directory.CreateDirectory(Path.Combine(workDirectory, "recordings"));
        await BaresipConfig.WriteAsync(options, workDirectory, modules, port, controlPort, cancellationToken).ConfigureAwait(false);

        var process = ManagedProcess.Start(binary, ["-f", workDirectory], new ManagedProcessOptions
        {
            Name = options.Name ?? "baresip-" + options.User,
            WorkingDirectory = workDirectory,
            BufferedLines = 2_000,
        });
        var phone = new BaresipPhone(options, process, port, controlPort, workDirectory, ownsWorkDirectory);
        try
        {
            phone.control = await BaresipControl.ConnectAsync(controlPort, process, options.StartTimeout, phone.OnEvent, cancellationToken).ConfigureAwait(false);
            if (options.Register && options.Registrar is not null)
            {
                await phone.WaitUntilRegisteredAsync(options.StartTimeout, cancellationToken).ConfigureAwait(false);
            }

            return phone;
        }
        catch
        {
            await phone.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Waits until the phone's registration is accepted.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="TimeoutException">Not registered in time; the message carries baresip's output (its registration replies).</exception>
    public async Task WaitUntilRegisteredAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var info = AnsiEscape().Replace(await CommandAsync("reginfo", null, deadline.Token).ConfigureAwait(false), string.Empty);
                if (RegisteredLine().IsMatch(info))
                {
                    return;
                }

                await Task.Delay(RetryInterval, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{baresip.Name}: not registered with {options.Registrar} within {timeout.TotalSeconds:0.###} s; last output:{Environment.NewLine}{baresip.Tail(20)}");
        }
    }

    /// <summary>Places a call (baresip's <c>dial</c>): the number goes to the registrar, as <c>sip:number@registrar</c>.</summary>
    /// <param name="number">A number (or user), or a full <c>sip:</c> URI.</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <remarks>Follow the call with <see cref="WaitForEventAsync(string, TimeSpan, bool, CancellationToken)"/>: <see cref="BaresipEvent.CallRinging"/>, <see cref="BaresipEvent.CallEstablished"/>, <see cref="BaresipEvent.CallClosed"/>.</remarks>
    public async Task DialAsync(string number, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(number);
        var uri = number.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) ? number : $"sip:{number}@{Domain}";
        await CommandAsync("dial", uri, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Answers the ringing call (waiting for it to ring first) and waits until it is established.</summary>
    /// <param name="timeout">How long to wait for the call to ring, and then to be established.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The <see cref="BaresipEvent.CallEstablished"/> event.</returns>
    public async Task<BaresipEvent> AnswerAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var incoming = await WaitForEventAsync(BaresipEvent.CallIncoming, timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        var established = WaitForEventAsync(
            e => e.Type == BaresipEvent.CallEstablished && e.CallId == incoming.CallId, timeout, includeEarlier: true, cancellationToken);
        await CommandAsync("accept", null, cancellationToken).ConfigureAwait(false);
        return await established.ConfigureAwait(false);
    }

    /// <summary>Hangs up the current call (BYE, or CANCEL while it rings, or a refusal of a ringing incoming call) and waits until it is closed.</summary>
    /// <param name="timeout">How long to wait for the call to close.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The <see cref="BaresipEvent.CallClosed"/> event.</returns>
    public async Task<BaresipEvent> HangUpAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var closed = WaitForEventAsync(BaresipEvent.CallClosed, timeout, includeEarlier: false, cancellationToken);
        await CommandAsync("hangup", null, cancellationToken).ConfigureAwait(false);
        return await closed.ConfigureAwait(false);
    }

    /// <summary>Presses keys in the current call: each is sent as an RFC 4733 telephone-event (baresip's <c>sndcode</c>).</summary>
    /// <param name="keys">Keys among 0-9, *, #, A-D.</param>
    /// <param name="gap">The pause between keys (each event lasts about 100 ms).</param>
    /// <param name="cancellationToken">Cancels the sending.</param>
    public async Task SendDigitsAsync(string keys, TimeSpan? gap = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (!DtmfKeys().IsMatch(keys))
        {
            throw new ArgumentException($"keys '{keys}' must be 0-9, *, # or A-D", nameof(keys));
        }

        foreach (var key in keys)
        {
            await CommandAsync("sndcode", key.ToString(), cancellationToken).ConfigureAwait(false);
            await Task.Delay(gap ?? TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for an event of <paramref name="type"/>.</summary>
    /// <param name="type">The event type, e.g. <see cref="BaresipEvent.CallIncoming"/>.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="includeEarlier">Whether events already reported count (to see only a later one, call this before the action and await it after).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The event.</returns>
    /// <exception cref="TimeoutException">None came in time; the message lists the events and baresip's output.</exception>
    public Task<BaresipEvent> WaitForEventAsync(string type, TimeSpan timeout, bool includeEarlier = true, CancellationToken cancellationToken = default) =>
        WaitForEventAsync(e => e.Type == type, timeout, includeEarlier, cancellationToken);

    /// <summary>Waits for an event that matches <paramref name="predicate"/>.</summary>
    /// <param name="predicate">The event to wait for.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="includeEarlier">Whether events already reported count.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The event.</returns>
    /// <exception cref="TimeoutException">None came in time; the message lists the events and baresip's output.</exception>
    public Task<BaresipEvent> WaitForEventAsync(Func<BaresipEvent, bool> predicate, TimeSpan timeout, bool includeEarlier = true, CancellationToken cancellationToken = default) =>
        events.WaitAsync(
            predicate,
            timeout,
            includeEarlier,
            made => $"{baresip.Name}: no matching event within {timeout.TotalSeconds:0.###} s; events so far:{Environment.NewLine}{made}{Environment.NewLine}baresip's last output:{Environment.NewLine}{baresip.Tail(20)}",
            cancellationToken);

    /// <summary>Runs one of baresip's commands (the menu module's: <c>dial</c>, <c>accept</c>, <c>hangup</c>, <c>sndcode</c>, <c>listcalls</c>, <c>reginfo</c>, …).</summary>
    /// <param name="command">The command's long name.</param>
    /// <param name="parameters">Its parameters, or null.</param>
    /// <param name="cancellationToken">Cancels the wait for the response.</param>
    /// <returns>The response's text.</returns>
    /// <exception cref="InvalidOperationException">baresip refused the command (e.g. an unknown one), or the phone has stopped.</exception>
    /// <exception cref="TimeoutException">No response within 5 s.</exception>
    public Task<string> CommandAsync(string command, string? parameters = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        return (control ?? throw new InvalidOperationException($"{baresip.Name} has no control connection")).CommandAsync(command, parameters, cancellationToken);
    }

    /// <summary>baresip's last output lines, for failure messages.</summary>
    /// <param name="count">How many lines.</param>
    public string LogTail(int count = 40) => baresip.Tail(count);

    /// <summary>Stops baresip and deletes the work folder when it was a temporary one.</summary>
    public async ValueTask DisposeAsync()
    {
        if (control is not null)
        {
            await control.DisposeAsync().ConfigureAwait(false);
        }

        await baresip.DisposeAsync().ConfigureAwait(false);
        if (ownsWorkDirectory)
        {
            try
            {
                Directory.Delete(WorkDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }

    private void OnEvent(BaresipEvent raised)
    {
        events.Add(raised);
        EventRaised?.Invoke(this, raised);
    }

    private string? LatestRecording(string suffix) =>
        Directory.Exists(RecordingDirectory)
            ? new DirectoryInfo(RecordingDirectory).GetFiles("dump-*" + suffix).OrderByDescending(file => file.LastWriteTimeUtc).FirstOrDefault()?.FullName
            : null;

    [GeneratedRegex(@"\x1B\[[0-9;]*m")]
    private static partial Regex AnsiEscape();

    [GeneratedRegex(@"^> \S+\s+OK\b", RegexOptions.Multiline)]
    private static partial Regex RegisteredLine();

    [GeneratedRegex("^[0-9*#A-D]*$")]
    private static partial Regex DtmfKeys();
}
