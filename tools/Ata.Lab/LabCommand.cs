using System.Runtime.InteropServices;

namespace Ata.Lab;

/// <summary>
/// The lab program: reads the command line, runs the <see cref="Lab"/> until Ctrl-C or SIGTERM,
/// stops what it started, and turns any failure into one line on stderr and a non-zero exit.
/// </summary>
public static class LabCommand
{
    /// <summary>Exit code after a clean stop.</summary>
    public const int Stopped = 0;

    /// <summary>Exit code when the lab failed.</summary>
    public const int Failed = 1;

    /// <summary>Exit code for a wrong command line.</summary>
    public const int UsageError = 2;

    /// <summary>Runs the lab with <paramref name="args"/>.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="output">Where progress goes.</param>
    /// <param name="error">Where the failure line goes.</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        RepoLayout repo;
        LabOptions options;
        try
        {
            repo = RepoLayout.Find();
            options = LabOptions.Parse(args, repo.DefaultLabDataDirectory);
        }
        catch (ArgumentException wrong)
        {
            await error.WriteLineAsync($"lab: {wrong.Message}{Environment.NewLine}{LabOptions.Usage}").ConfigureAwait(false);
            return UsageError;
        }
        catch (DirectoryNotFoundException missing)
        {
            await error.WriteLineAsync($"lab: {missing.Message}").ConfigureAwait(false);
            return Failed;
        }

        if (options.HelpRequested)
        {
            await output.WriteLineAsync(LabOptions.Usage).ConfigureAwait(false);
            return Stopped;
        }

        using var stopping = new CancellationTokenSource();
        var stopRequests = 0;
        void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs press)
        {
            // The first Ctrl-C stops in order; a second one lets the runtime end the process (children are still killed on exit).
            if (Interlocked.Increment(ref stopRequests) == 1)
            {
                press.Cancel = true;
                stopping.Cancel();
            }
        }

        Console.CancelKeyPress += OnCancelKeyPress;
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            stopping.Cancel();
        });
        try
        {
            return await RunLabAsync(repo, options, output, error, stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            Console.CancelKeyPress -= OnCancelKeyPress;
        }
    }

    private static async Task<int> RunLabAsync(RepoLayout repo, LabOptions options, TextWriter output, TextWriter error, CancellationToken stopping)
    {
        Exception? failure = null;
        var lab = new Lab(repo, options, output);
        try
        {
            await lab.RunAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception unexpected)
        {
            failure = unexpected;
        }

        await output.WriteLineAsync("lab: stopping…").ConfigureAwait(false);
        await lab.DisposeAsync().ConfigureAwait(false);
        if (failure is null)
        {
            await output.WriteLineAsync("lab: stopped").ConfigureAwait(false);
            return Stopped;
        }

        var details = WriteFailureLog(lab.LogDirectory, failure);
        var line = failure is LabException or ToolNotInstalledException
            ? failure.Message
            : $"{failure.Message.Split('\n', 2)[0].TrimEnd('\r', ';', ':', ' ')} (details: {details})";
        await error.WriteLineAsync($"lab: {line}").ConfigureAwait(false);
        return Failed;
    }

    private static string WriteFailureLog(string logDirectory, Exception failure)
    {
        var path = Path.Combine(logDirectory, "lab.log");
        try
        {
            Directory.CreateDirectory(logDirectory);
            File.AppendAllText(path, $"{DateTimeOffset.Now:O} {failure}{Environment.NewLine}");
        }
        catch (IOException)
        {
            return "no log written";
        }
        catch (UnauthorizedAccessException)
        {
            return "no log written";
        }

        return path;
    }
}
