namespace Ata.Lab;

/// <summary>
/// Finds the Debian-packaged binaries the lab runs (Kamailio, Mosquitto, SIPp, baresip) and, when one is
/// missing, says in one line which package to install.
/// </summary>
public static class RequiredTool
{
    private static readonly string[] SystemDirectories = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"];

    /// <summary>The full path of <paramref name="binary"/>, looked up in PATH, then /usr/sbin and /usr/bin.</summary>
    /// <param name="binary">The binary's file name, e.g. <c>kamailio</c>.</param>
    /// <exception cref="ToolNotInstalledException">The binary is not installed.</exception>
    public static string Locate(string binary) =>
        TryLocate(binary, out var path) ? path : throw new ToolNotInstalledException(binary, DebianPackageOf(binary));

    /// <summary>Looks for <paramref name="binary"/> in PATH, then /usr/sbin and /usr/bin.</summary>
    /// <param name="binary">The binary's file name.</param>
    /// <param name="path">Its full path when found.</param>
    /// <returns>Whether the binary was found.</returns>
    public static bool TryLocate(string binary, out string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(binary);
        var searchPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (var directory in searchPath.Concat(SystemDirectories))
        {
            var candidate = Path.Combine(directory, binary);
            if (IsExecutableFile(candidate))
            {
                path = candidate;
                return true;
            }
        }

        path = string.Empty;
        return false;
    }

    /// <summary>The Debian package that installs <paramref name="binary"/>.</summary>
    /// <param name="binary">The binary's file name.</param>
    public static string DebianPackageOf(string binary) => binary switch
    {
        "mosquitto_passwd" => "mosquitto",
        "mosquitto_pub" or "mosquitto_sub" => "mosquitto-clients",
        "sipp" => "sip-tester",
        "baresip" => "baresip-core",
        _ => binary,
    };

    private static bool IsExecutableFile(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & anyExecute) != 0;
    }
}

/// <summary>A binary the lab needs is not installed; the message is one line naming the package.</summary>
public sealed class ToolNotInstalledException : Exception
{
    /// <summary>Creates the exception for <paramref name="binary"/>, installed by <paramref name="package"/>.</summary>
    /// <param name="binary">The missing binary.</param>
    /// <param name="package">The Debian package that provides it.</param>
    public ToolNotInstalledException(string binary, string package)
        : base($"{binary} is not installed: sudo apt-get install -y {package}")
    {
        Binary = binary;
        Package = package;
    }

    /// <summary>The missing binary.</summary>
    public string Binary { get; }

    /// <summary>The Debian package that provides it.</summary>
    public string Package { get; }
}
