namespace Ata.Gateway.Broker;

/// <summary>Finds the Mosquitto broker binary Debian's <c>mosquitto</c> package installs.</summary>
public static class MosquittoInstallation
{
    /// <summary>The one line said when the broker is missing.</summary>
    public const string NotInstalledMessage = "mosquitto is not installed: sudo apt-get install -y mosquitto";

    private static readonly string[] SystemDirectories = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/sbin", "/bin"];

    /// <summary>
    /// Resolves <paramref name="configured"/>: a path is taken as is; a bare name is looked up in PATH,
    /// then in the system folders (Debian installs the broker in <c>/usr/sbin</c>, outside most users' PATH).
    /// </summary>
    /// <param name="configured">The configured binary, e.g. <c>mosquitto</c>.</param>
    /// <param name="path">The executable's full path when found.</param>
    /// <returns>Whether an executable was found.</returns>
    public static bool TryLocate(string configured, out string path)
    {
        path = string.Empty;
        if (string.IsNullOrWhiteSpace(configured))
        {
            return false;
        }

        if (configured.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            path = Path.GetFullPath(configured);
            return IsExecutable(path);
        }

        var searchPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (var directory in searchPath.Concat(SystemDirectories))
        {
            var candidate = Path.Combine(directory, configured);
            if (IsExecutable(candidate))
            {
                path = candidate;
                return true;
            }
        }

        return false;
    }

    private static bool IsExecutable(string path)
    {
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & anyExecute) != 0);
    }
}

/// <summary>The Mosquitto binary is missing; the message is the one line to show.</summary>
public sealed class MosquittoNotInstalledException : Exception
{
    /// <summary>Creates the exception with <see cref="MosquittoInstallation.NotInstalledMessage"/>.</summary>
    public MosquittoNotInstalledException()
        : base(MosquittoInstallation.NotInstalledMessage)
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public MosquittoNotInstalledException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public MosquittoNotInstalledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
