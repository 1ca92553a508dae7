using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Ata.Lab;

/// <summary>
/// A child process the lab or a test owns: its stdout and stderr are captured line by line,
/// callers can wait for a line, write to its stdin, and stop it. A stop sends SIGTERM, waits
/// <see cref="ManagedProcessOptions.StopGracePeriod"/>, then kills the whole tree; disposing
/// stops it, and children still running when this process exits are killed.
/// </summary>
public sealed class ManagedProcess : IAsyncDisposable, IDisposable
{
    private const int DefaultTailLength = 40;
    private static readonly TimeSpan OutputDrainLimit = TimeSpan.FromSeconds(2);
    private static readonly ConcurrentDictionary<ManagedProcess, byte> Running = new();

    private readonly Process process;
    private readonly ManagedProcessOptions options;
    private readonly object gate = new();
    private readonly Queue<OutputLine> lines = new();
    private readonly List<LineWaiter> waiters = [];
    private readonly SemaphoreSlim stdinLock = new(1, 1);
    private bool outputEnded;
    private int? exitCode;
    private int disposed;

    static ManagedProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllRunning();
    }

    private ManagedProcess(Process process, ManagedProcessOptions options, string name)
    {
        this.process = process;
        this.options = options;
        Name = name;
        Id = process.Id;
        Running.TryAdd(this, 0);
        var stdout = PumpAsync(process.StandardOutput, OutputStream.StandardOutput, options.StandardOutputLine);
        var stderr = PumpAsync(process.StandardError, OutputStream.StandardError, options.StandardErrorLine);
        Completion = MonitorAsync(stdout, stderr);
    }

    /// <summary>The path of the <c>dotnet</c> host that runs .NET children (the SDK's, or this process's own).</summary>
    public static string DotnetHost { get; } = FindDotnetHost();

    /// <summary>The name used in messages.</summary>
    public string Name { get; }

    /// <summary>The child's process id.</summary>
    public int Id { get; }

    /// <summary>Completes with the exit code once the child has exited and its output is read.</summary>
    public Task<int> Completion { get; }

    /// <summary>Whether the child has exited.</summary>
    public bool HasExited => Completion.IsCompleted;

    /// <summary>Every buffered line, both streams, in the order read.</summary>
    public IReadOnlyList<OutputLine> Lines
    {
        get
        {
            lock (gate)
            {
                return [.. lines];
            }
        }
    }

    /// <summary>The buffered stdout lines.</summary>
    public IReadOnlyList<string> StandardOutputLines => LinesOf(OutputStream.StandardOutput);

    /// <summary>The buffered stderr lines.</summary>
    public IReadOnlyList<string> StandardErrorLines => LinesOf(OutputStream.StandardError);

    /// <summary>Starts a program.</summary>
    /// <param name="fileName">The program: a path, or a name looked up in PATH.</param>
    /// <param name="arguments">Its arguments, passed as they are (no shell quoting).</param>
    /// <param name="options">How to start and stop it.</param>
    /// <exception cref="InvalidOperationException">The program could not be started.</exception>
    public static ManagedProcess Start(string fileName, IEnumerable<string> arguments, ManagedProcessOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        ArgumentNullException.ThrowIfNull(arguments);
        options ??= new ManagedProcessOptions();
        var startInfo = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = options.WorkingDirectory ?? string.Empty,
        };
        if (options.OwnSession && RequiredTool.TryLocate("setsid", out var setsid))
        {
            startInfo.FileName = setsid;
            startInfo.ArgumentList.Add(fileName);
        }
        else
        {
            startInfo.FileName = fileName;
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in options.Environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(key);
            }
            else
            {
                startInfo.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception error)
        {
            process.Dispose();
            throw new InvalidOperationException($"cannot start {fileName}: {error.Message}", error);
        }

        return new ManagedProcess(process, options, options.Name ?? Path.GetFileNameWithoutExtension(fileName));
    }

    /// <summary>Starts a .NET program: <c>dotnet &lt;assembly&gt; args…</c>.</summary>
    /// <param name="assemblyPath">The built program's .dll.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="options">How to start and stop it; the name defaults to the assembly's.</param>
    /// <exception cref="FileNotFoundException">The assembly does not exist (not built yet).</exception>
    public static ManagedProcess StartDotnet(string assemblyPath, IEnumerable<string> arguments, ManagedProcessOptions? options = null)
    {
        if (!File.Exists(assemblyPath))
        {
            throw new FileNotFoundException($"{assemblyPath} does not exist; build the solution first", assemblyPath);
        }

        options ??= new ManagedProcessOptions();
        var named = new ManagedProcessOptions
        {
            Name = options.Name ?? Path.GetFileNameWithoutExtension(assemblyPath),
            WorkingDirectory = options.WorkingDirectory,
            Environment = options.Environment,
            StandardOutputLine = options.StandardOutputLine,
            StandardErrorLine = options.StandardErrorLine,
            OwnSession = options.OwnSession,
            StopGracePeriod = options.StopGracePeriod,
            BufferedLines = options.BufferedLines,
        };
        return Start(DotnetHost, new[] { assemblyPath }.Concat(arguments), named);
    }

    /// <summary>Waits for a line on stdout that matches <paramref name="predicate"/>.</summary>
    /// <param name="predicate">The line to wait for.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="includeEarlierLines">Whether lines already read count.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The matching line.</returns>
    public Task<string> WaitForOutputLineAsync(Func<string, bool> predicate, TimeSpan timeout, bool includeEarlierLines = true, CancellationToken cancellationToken = default) =>
        WaitForLineAsync(OutputStream.StandardOutput, predicate, timeout, includeEarlierLines, cancellationToken);

    /// <summary>Waits for a line on stderr that matches <paramref name="predicate"/>.</summary>
    /// <param name="predicate">The line to wait for.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="includeEarlierLines">Whether lines already read count.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The matching line.</returns>
    public Task<string> WaitForErrorLineAsync(Func<string, bool> predicate, TimeSpan timeout, bool includeEarlierLines = true, CancellationToken cancellationToken = default) =>
        WaitForLineAsync(OutputStream.StandardError, predicate, timeout, includeEarlierLines, cancellationToken);

    /// <summary>Waits for a line on <paramref name="stream"/> that matches <paramref name="predicate"/>.</summary>
    /// <param name="stream">The stream to watch.</param>
    /// <param name="predicate">The line to wait for; called under a lock, so keep it cheap.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="includeEarlierLines">
    /// Whether lines already read count. To see only a line caused by a later action, call this
    /// before the action and await the task after it: the wait is registered before this returns.
    /// </param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The matching line.</returns>
    /// <exception cref="TimeoutException">No line matched in time; the message carries the last ~40 lines.</exception>
    /// <exception cref="InvalidOperationException">The child exited first; the message carries its last lines.</exception>
    public async Task<string> WaitForLineAsync(
        OutputStream stream,
        Func<string, bool> predicate,
        TimeSpan timeout,
        bool includeEarlierLines = true,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var waiter = new LineWaiter(stream, predicate);
        lock (gate)
        {
            if (includeEarlierLines)
            {
                foreach (var line in lines)
                {
                    if (line.Stream == stream && predicate(line.Text))
                    {
                        return line.Text;
                    }
                }
            }

            if (outputEnded)
            {
                throw new InvalidOperationException(ExitedBeforeMatch(stream));
            }

            waiters.Add(waiter);
        }

        try
        {
            return await waiter.Match.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Forget(waiter);
            throw new TimeoutException(
                $"{Name}: no line on {Describe(stream)} matched within {timeout.TotalSeconds:0.###} s; last output:{System.Environment.NewLine}{Tail()}");
        }
        catch (OperationCanceledException)
        {
            Forget(waiter);
            throw;
        }
    }

    /// <summary>Writes one line to the child's stdin and flushes it.</summary>
    /// <param name="line">The line, without a line ending.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async Task WriteLineAsync(string line, CancellationToken cancellationToken = default)
    {
        await stdinLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await process.StandardInput.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
            await process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            stdinLock.Release();
        }
    }

    /// <summary>Closes the child's stdin (it reads end of file).</summary>
    public void CloseStandardInput() => process.StandardInput.Close();

    /// <summary>The last lines of output, both streams, stderr lines marked, one per line.</summary>
    /// <param name="count">How many lines.</param>
    public string Tail(int count = DefaultTailLength)
    {
        OutputLine[] snapshot;
        lock (gate)
        {
            snapshot = [.. lines];
        }

        var tail = snapshot.Skip(Math.Max(0, snapshot.Length - count))
            .Select(line => (line.Stream == OutputStream.StandardError ? "  [stderr] " : "  [stdout] ") + line.Text);
        var text = string.Join(System.Environment.NewLine, tail);
        return text.Length == 0 ? "  (no output)" : text;
    }

    /// <summary>
    /// Stops the child: SIGTERM, up to <paramref name="gracePeriod"/> to exit, then SIGKILL to the
    /// whole tree; descendants that outlive it are killed too. Does nothing once it has exited.
    /// </summary>
    /// <param name="gracePeriod">Overrides <see cref="ManagedProcessOptions.StopGracePeriod"/>.</param>
    /// <returns>The exit code.</returns>
    public async Task<int> StopAsync(TimeSpan? gracePeriod = null)
    {
        if (!HasExited)
        {
            var descendants = ProcessTree.DescendantsOf(Id);
            ProcessTree.Terminate(Id);
            var grace = gracePeriod ?? options.StopGracePeriod;
            if (await Task.WhenAny(Completion, Task.Delay(grace)).ConfigureAwait(false) != Completion)
            {
                KillTree();
            }

            await Completion.ConfigureAwait(false);
            await ProcessTree.KillSurvivorsAsync(descendants, OutputDrainLimit).ConfigureAwait(false);
        }

        return await Completion.ConfigureAwait(false);
    }

    /// <summary>Stops the child (see <see cref="StopAsync"/>) and releases it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await StopAsync().ConfigureAwait(false);
        process.Dispose();
        stdinLock.Dispose();
    }

    /// <summary>Stops the child (see <see cref="StopAsync"/>), blocking, and releases it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        StopAsync().GetAwaiter().GetResult();
        process.Dispose();
        stdinLock.Dispose();
    }

    private static void KillAllRunning()
    {
        foreach (var child in Running.Keys)
        {
            child.KillTree();
        }
    }

    private static string FindDotnetHost()
    {
        var fromSdk = System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        var self = System.Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        return RequiredTool.TryLocate("dotnet", out var onPath) ? onPath : "dotnet";
    }

    private static string Describe(OutputStream stream) => stream == OutputStream.StandardOutput ? "stdout" : "stderr";

    private void KillTree()
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        catch (Win32Exception)
        {
            // Exited while the tree was being walked.
        }
    }

    private IReadOnlyList<string> LinesOf(OutputStream stream)
    {
        lock (gate)
        {
            return [.. lines.Where(line => line.Stream == stream).Select(line => line.Text)];
        }
    }

    private void Forget(LineWaiter waiter)
    {
        lock (gate)
        {
            waiters.Remove(waiter);
        }
    }

    private string ExitedBeforeMatch(OutputStream stream)
    {
        return $"{Name} exited (code {exitCode}) before a matching line on {Describe(stream)}; last output:{System.Environment.NewLine}{Tail()}";
    }

    private async Task PumpAsync(StreamReader reader, OutputStream stream, Action<string>? callback)
    {
        await Task.Yield();
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } text)
            {
                // The observer sees a line before anyone waiting for it is released, so a waiter
                // can rely on what the observer did with it.
                var at = DateTimeOffset.Now;
                if (callback is not null)
                {
                    try
                    {
                        callback(text);
                    }
                    catch (Exception)
                    {
                        // A failing observer must not stop the pipe from draining (the child would block).
                    }
                }

                Record(new OutputLine(stream, text, at));
            }
        }
        catch (ObjectDisposedException)
        {
        }
        catch (IOException)
        {
        }
    }

    private void Record(OutputLine line)
    {
        List<(LineWaiter Waiter, Exception? Error)>? answered = null;
        lock (gate)
        {
            lines.Enqueue(line);
            while (lines.Count > options.BufferedLines)
            {
                lines.Dequeue();
            }

            for (var index = waiters.Count - 1; index >= 0; index--)
            {
                var waiter = waiters[index];
                if (waiter.Stream != line.Stream)
                {
                    continue;
                }

                Exception? error = null;
                bool matched;
                try
                {
                    matched = waiter.Predicate(line.Text);
                }
                catch (Exception predicateError)
                {
                    matched = true;
                    error = predicateError;
                }

                if (matched)
                {
                    waiters.RemoveAt(index);
                    (answered ??= []).Add((waiter, error));
                }
            }
        }

        foreach (var (waiter, error) in answered ?? [])
        {
            if (error is null)
            {
                waiter.Match.TrySetResult(line.Text);
            }
            else
            {
                waiter.Match.TrySetException(error);
            }
        }
    }

    private async Task<int> MonitorAsync(Task stdout, Task stderr)
    {
        await process.WaitForExitAsync().ConfigureAwait(false);

        // What is still in the pipes is read first; a grandchild holding them open must not hold the waiters.
        await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(OutputDrainLimit)).ConfigureAwait(false);
        var code = process.ExitCode;
        List<LineWaiter> unanswered;
        lock (gate)
        {
            exitCode = code;
            outputEnded = true;
            unanswered = [.. waiters];
            waiters.Clear();
        }

        Running.TryRemove(this, out _);
        foreach (var waiter in unanswered)
        {
            waiter.Match.TrySetException(new InvalidOperationException(ExitedBeforeMatch(waiter.Stream)));
        }

        return code;
    }

    private sealed class LineWaiter(OutputStream stream, Func<string, bool> predicate)
    {
        public OutputStream Stream { get; } = stream;

        public Func<string, bool> Predicate { get; } = predicate;

        public TaskCompletionSource<string> Match { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
