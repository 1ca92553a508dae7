using System.Globalization;

namespace Ata.Lab;

/// <summary>How a <see cref="SippScenario"/> runs.</summary>
public sealed class SippOptions
{
    /// <summary>
    /// Where the scenario sends its first request (<c>ip:port</c>), for a client (UAC) scenario;
    /// null for a server (UAS) scenario that waits for requests on <see cref="Port"/>.
    /// </summary>
    public string? Remote { get; init; }

    /// <summary>The local UDP port on 127.0.0.1; a free one when not set.</summary>
    public int? Port { get; init; }

    /// <summary>The request URI's user, <c>[service]</c> in the scenario (sipp <c>-s</c>): the number dialled, or the user registered.</summary>
    public string? Service { get; init; }

    /// <summary>
    /// The digest user for <c>[authentication]</c>: with <see cref="AuthPassword"/>, written into a
    /// private copy of the scenario (mode 0600), never onto sipp's command line, where <c>ps</c> would show it.
    /// </summary>
    public string? AuthUser { get; init; }

    /// <summary>The digest password (see <see cref="AuthUser"/>).</summary>
    public string? AuthPassword { get; init; }

    /// <summary>Scenario keywords: <c>[name]</c> in the scenario is replaced by the value (sipp <c>-key name value</c>).</summary>
    public IReadOnlyDictionary<string, string> Keys { get; init; } = new Dictionary<string, string>();

    /// <summary>How many calls the scenario runs before sipp exits (sipp <c>-m</c>).</summary>
    public int Calls { get; init; } = 1;

    /// <summary>How long a <c>&lt;pause/&gt;</c> without its own duration lasts (sipp <c>-d</c>): how long a call is held.</summary>
    public TimeSpan Pause { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest sipp may run: it is told to stop then (and fail), and killed soon after if it does not.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A short name for messages; the scenario's file name when not set.</summary>
    public string? Name { get; init; }

    /// <summary>More of sipp's options, as they are (e.g. <c>-rtp_echo</c>, or <c>-r 100</c> for a burst of calls).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];
}

/// <summary>
/// One sipp run of a scenario file on loopback: a client (UAC) that calls or registers, or a
/// server (UAS) that answers on a free port. sipp's exit code says whether every step and check
/// of every call held; its message log (every SIP message sent and received) and error log are
/// kept for the test to read. Disposing stops sipp and deletes the logs.
/// </summary>
/// <remarks>
/// Scenarios shared by the test projects are in <c>tests/Sipp/</c> (see its README): a name
/// without a folder is looked up there.
/// </remarks>
public sealed class SippScenario : IAsyncDisposable
{
    /// <summary>sipp's exit code when every call succeeded.</summary>
    public const int Succeeded = 0;

    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(5);
    private readonly ManagedProcess sipp;
    private readonly string logDirectory;
    private readonly TimeSpan timeout;
    private readonly Task<int> exited;

    private SippScenario(ManagedProcess sipp, string scenarioFile, string name, int port, string logDirectory, TimeSpan timeout)
    {
        this.sipp = sipp;
        ScenarioFile = scenarioFile;
        Name = name;
        Port = port;
        this.logDirectory = logDirectory;
        this.timeout = timeout;
        exited = EnforceTimeoutAsync();
    }

    /// <summary>The folder of the shared scenario files: &lt;repo&gt;/tests/Sipp.</summary>
    public static string SharedScenarioDirectory => Path.Combine(RepoLayout.Find().Root, "tests", "Sipp");

    /// <summary>The scenario file sipp runs.</summary>
    public string ScenarioFile { get; }

    /// <summary>The name used in messages.</summary>
    public string Name { get; }

    /// <summary>The local UDP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>This sipp as <c>127.0.0.1:port</c>: where a server scenario answers, or a contact to register.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Whether sipp has exited.</summary>
    public bool HasExited => exited.IsCompleted;

    /// <summary>Every SIP message sipp sent or received so far, in order.</summary>
    public IReadOnlyList<SippMessage> Messages => SippMessage.ParseLog(ReadShared(MessageLogPath));

    /// <summary>sipp's error log (unexpected messages, failed checks, timeouts), or empty.</summary>
    public string Errors => ReadShared(ErrorLogPath);

    private string MessageLogPath => Path.Combine(logDirectory, "messages.log");

    private string ErrorLogPath => Path.Combine(logDirectory, "errors.log");

    /// <summary>Starts sipp running <paramref name="scenario"/>.</summary>
    /// <param name="scenario">A scenario file: a path, or a file name in <see cref="SharedScenarioDirectory"/>.</param>
    /// <param name="options">The peer, the port, the keywords.</param>
    /// <returns>The running scenario.</returns>
    /// <exception cref="FileNotFoundException">The scenario file does not exist.</exception>
    /// <exception cref="ToolNotInstalledException">sipp is not installed.</exception>
    public static SippScenario Start(string scenario, SippOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scenario);
        options ??= new SippOptions();
        var file = Locate(scenario);
        var binary = RequiredTool.Locate("sipp");
        var port = options.Port ?? FreePort.Udp();
        var logs = Directory.CreateTempSubdirectory("ata-lab-sipp-").FullName;
        var arguments = new List<string>
        {
            "-sf", options.AuthUser is null && options.AuthPassword is null ? file : WithCredentials(file, logs, options.AuthUser ?? string.Empty, options.AuthPassword ?? string.Empty),
            "-i", "127.0.0.1",
            "-p", port.ToString(CultureInfo.InvariantCulture),
            "-m", options.Calls.ToString(CultureInfo.InvariantCulture),
            "-d", ((long)options.Pause.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            "-timeout", ((long)Math.Ceiling(options.Timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s",
            "-timeout_error",
            "-nostdin",
            "-trace_msg", "-message_file", Path.Combine(logs, "messages.log"),
            "-trace_err", "-error_file", Path.Combine(logs, "errors.log"),
        };
        AddIfSet(arguments, "-s", options.Service);

        foreach (var (key, value) in options.Keys)
        {
            arguments.AddRange(["-key", key, value]);
        }

        arguments.AddRange(options.Arguments);
        if (options.Remote is not null)
        {
            arguments.Add(options.Remote);
        }

        var name = options.Name ?? "sipp-" + Path.GetFileNameWithoutExtension(file);
        ManagedProcess process;
        try
        {
            process = ManagedProcess.Start(binary, arguments, new ManagedProcessOptions { Name = name, BufferedLines = 2_000 });
        }
        catch
        {
            Directory.Delete(logs, recursive: true);
            throw;
        }

        return new SippScenario(process, file, name, port, logs, options.Timeout);
    }

    /// <summary>
    /// Registers <paramref name="contact"/> for <paramref name="user"/> with a registrar, answering
    /// its digest challenge (shared scenario <c>register.xml</c>): how a sipp server scenario
    /// becomes a subscriber the registrar routes calls to (a third-party binding).
    /// </summary>
    /// <param name="registrar">The registrar, <c>ip:port</c>.</param>
    /// <param name="user">The subscriber.</param>
    /// <param name="password">Its password.</param>
    /// <param name="contact">Where its calls go, <c>ip:port</c> (e.g. <see cref="Address"/> of a server scenario).</param>
    /// <param name="expires">The binding's lifetime in seconds.</param>
    /// <returns>What sipp logged.</returns>
    /// <exception cref="SippScenarioFailedException">The registrar did not answer 401 then 200.</exception>
    public static async Task<SippResult> RegisterContactAsync(string registrar, string user, string password, string contact, int expires = 600)
    {
        await using var register = Start("register.xml", new SippOptions
        {
            Remote = registrar,
            Service = user,
            AuthUser = user,
            AuthPassword = password,
            Keys = new Dictionary<string, string>
            {
                ["contact"] = contact,
                ["expires"] = expires.ToString(CultureInfo.InvariantCulture),
            },
            Timeout = TimeSpan.FromSeconds(15),
        });
        return await register.EnsureSucceededAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
    }

    /// <summary>
    /// A copy of <paramref name="scenario"/>, readable by this user only, whose <c>[authentication]</c>
    /// carries the digest user and password (sipp's <c>-au</c>/<c>-ap</c> would show them in <c>ps</c>;
    /// sipp 3.6 does not substitute injection-file fields inside <c>[authentication]</c>).
    /// </summary>
    private static string WithCredentials(string scenario, string directory, string user, string password)
    {
        if ((user + password).AsSpan().IndexOfAny(" ]\r\n<>&") >= 0)
        {
            throw new ArgumentException("A sipp digest user or password cannot contain a space, ']', '<', '>', '&' or a line break.");
        }

        var file = Path.Combine(directory, Path.GetFileName(scenario));
        using (File.Create(file, 0, FileOptions.None))
        {
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(file, File.ReadAllText(scenario).Replace("[authentication]", $"[authentication username={user} password={password}]", StringComparison.Ordinal));
        return file;
    }

    /// <summary>The full path of a scenario: <paramref name="scenario"/> itself when it exists, else the file of that name in <see cref="SharedScenarioDirectory"/>.</summary>
    /// <param name="scenario">A path or a shared scenario's file name.</param>
    /// <exception cref="FileNotFoundException">Neither exists.</exception>
    public static string Locate(string scenario)
    {
        if (File.Exists(scenario))
        {
            return Path.GetFullPath(scenario);
        }

        var shared = Path.Combine(SharedScenarioDirectory, scenario);
        return File.Exists(shared) ? shared : throw new FileNotFoundException($"no sipp scenario {scenario} (nor {shared})", scenario);
    }

    /// <summary>Waits until sipp has bound its UDP port, so a server scenario is ready for its first request.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="InvalidOperationException">sipp exited first; the message carries its errors.</exception>
    /// <exception cref="TimeoutException">The port was not bound in time.</exception>
    public async Task WaitUntilListeningAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (!FreePort.IsUdpBound(Port))
            {
                if (HasExited)
                {
                    throw new InvalidOperationException($"{Name} exited (code {await exited.ConfigureAwait(false)}) before listening on udp:{Address}{Environment.NewLine}{Describe()}");
                }

                await Task.Delay(20, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{Name} did not listen on udp:{Address} within {timeout.TotalSeconds:0.###} s{Environment.NewLine}{Describe()}");
        }
    }

    /// <summary>Waits for sipp to finish the scenario.</summary>
    /// <param name="timeout">How long to wait; sipp is stopped after its own <see cref="SippOptions.Timeout"/> in any case.</param>
    /// <returns>sipp's exit code and what it logged.</returns>
    /// <exception cref="TimeoutException">sipp was still running.</exception>
    public async Task<SippResult> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            var code = await exited.WaitAsync(timeout).ConfigureAwait(false);
            return new SippResult(code, Messages, Errors);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} still running after {timeout.TotalSeconds:0.###} s{Environment.NewLine}{Describe()}");
        }
    }

    /// <summary>Waits for sipp to finish and fails unless every call of the scenario succeeded.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>What sipp logged.</returns>
    /// <exception cref="SippScenarioFailedException">sipp exited with another code than 0; the message carries its errors and messages.</exception>
    /// <exception cref="TimeoutException">sipp was still running.</exception>
    public async Task<SippResult> EnsureSucceededAsync(TimeSpan timeout)
    {
        var result = await WaitForExitAsync(timeout).ConfigureAwait(false);
        return result.ExitCode == Succeeded
            ? result
            : throw new SippScenarioFailedException($"{Name} failed (sipp exit code {result.ExitCode}){Environment.NewLine}{Describe()}", result);
    }

    /// <summary>Stops sipp (if running) and deletes its logs.</summary>
    public async ValueTask DisposeAsync()
    {
        await sipp.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(logDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private static void AddIfSet(List<string> arguments, string option, string? value)
    {
        if (value is not null)
        {
            arguments.AddRange([option, value]);
        }
    }

    private static string ReadShared(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return string.Empty;
        }
        catch (DirectoryNotFoundException)
        {
            return string.Empty;
        }
    }

    private async Task<int> EnforceTimeoutAsync()
    {
        // sipp's own -timeout does not always end a server scenario stuck on an aborted call.
        var limit = timeout + KillGrace;
        if (await Task.WhenAny(sipp.Completion, Task.Delay(limit)).ConfigureAwait(false) != sipp.Completion)
        {
            await sipp.StopAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }

        return await sipp.Completion.ConfigureAwait(false);
    }

    private string Describe()
    {
        var errors = Errors.Trim();
        var messages = Messages;
        var exchanged = messages.Count == 0
            ? "  (none)"
            : string.Join(Environment.NewLine, messages.Select(message => $"  {(message.Received ? "<-" : "->")} {message.FirstLine}"));
        return $"scenario: {ScenarioFile}{Environment.NewLine}errors:{Environment.NewLine}{(errors.Length == 0 ? "  (none)" : errors)}{Environment.NewLine}" +
            $"messages:{Environment.NewLine}{exchanged}{Environment.NewLine}sipp's last output:{Environment.NewLine}{sipp.Tail(10)}";
    }
}

/// <summary>How a sipp run ended.</summary>
/// <param name="ExitCode">sipp's exit code: 0 every call succeeded, 1 some failed, 97/99 stopped, 254/255 could not start (e.g. the port was taken).</param>
/// <param name="Messages">Every SIP message sent and received.</param>
/// <param name="Errors">sipp's error log.</param>
public sealed record SippResult(int ExitCode, IReadOnlyList<SippMessage> Messages, string Errors)
{
    /// <summary>The status codes of the responses sipp received, in order.</summary>
    public IReadOnlyList<int> ReceivedStatusCodes =>
        [.. Messages.Where(message => message.Received && message.StatusCode is not null).Select(message => message.StatusCode!.Value)];

    /// <summary>The methods of the requests sipp received, in order.</summary>
    public IReadOnlyList<string> ReceivedRequests =>
        [.. Messages.Where(message => message.Received && message.Method is not null).Select(message => message.Method!)];
}

/// <summary>A sipp scenario ended with a failure; <see cref="Result"/> holds what sipp logged.</summary>
public sealed class SippScenarioFailedException : Exception
{
    /// <summary>Creates the failure.</summary>
    /// <param name="message">What failed, with sipp's errors and messages.</param>
    /// <param name="result">How the run ended.</param>
    public SippScenarioFailedException(string message, SippResult result)
        : base(message)
    {
        Result = result;
    }

    /// <summary>How the run ended.</summary>
    public SippResult Result { get; }
}
