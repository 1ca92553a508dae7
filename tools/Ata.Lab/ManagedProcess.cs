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
public sealed partial class ManagedProcess : IAsyncDisposable, IDisposable
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
}
