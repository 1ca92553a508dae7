namespace Ata.Sim;

/// <summary>A secret kept in a file only its owner may read (the simulator never takes one on its command line).</summary>
internal static class SecretFile
{
    private const UnixFileMode OthersMayTouch =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The file's first line; a <see cref="UsageException"/> when it is missing, empty or readable by others.</summary>
    /// <param name="path">The file.</param>
    /// <param name="option">The option that named it, for the message.</param>
    public static string Read(string path, string option)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"{option} '{path}' does not exist");
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & OthersMayTouch) != 0)
        {
            throw new UsageException($"{option} '{path}' may be read by others: chmod 600 '{path}'");
        }

        string secret = File.ReadAllText(path).Split('\n')[0].TrimEnd('\r');
        return secret.Length > 0 ? secret : throw new UsageException($"{option} '{path}' is empty");
    }
}
