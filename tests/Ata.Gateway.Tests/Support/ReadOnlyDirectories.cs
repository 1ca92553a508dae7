using System.Diagnostics;

namespace Ata.Gateway.Tests.Support;

/// <summary>
/// Makes folders read-only until disposed: no file can be created, renamed or removed in them,
/// while files already there (an open database) can still be written, as when an operator makes
/// a running gateway's data directory read-only. For root (whom modes do not stop) the folders are
/// made immutable (<c>chattr +i</c>); for anyone else their mode is 0555.
/// </summary>
internal sealed class ReadOnlyDirectories : IDisposable
{
    private readonly string[] _paths;
    private readonly Dictionary<string, UnixFileMode> _modes = [];

    public ReadOnlyDirectories(params string[] paths)
    {
        _paths = paths;
        foreach (var path in paths)
        {
            if (Environment.IsPrivilegedProcess)
            {
                Run("chattr", "+i", path);
            }
            else
            {
                _modes[path] = File.GetUnixFileMode(path);
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                    | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }
        }

        var probe = Path.Combine(paths[0], ".write-probe");
        try
        {
            File.WriteAllText(probe, "x");
            File.Delete(probe);
            throw new InvalidOperationException($"{paths[0]} could not be made read-only");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    public void Dispose()
    {
        foreach (var path in _paths)
        {
            if (_modes.TryGetValue(path, out var mode))
            {
                File.SetUnixFileMode(path, mode);
            }
            else
            {
                Run("chattr", "-i", path);
            }
        }
    }

    private static void Run(string tool, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, arguments) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed: {error}");
        }
    }
}
