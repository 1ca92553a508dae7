using System.Text;

namespace Ata.Gateway.Broker;

/// <summary>Files only the gateway's user may read: secrets, the password file.</summary>
internal static class PrivateFile
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="path"/> (mode 0700) if it does not exist.</summary>
    public static void EnsureDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, OwnerOnlyDirectory);
        }
    }

    /// <summary>Replaces <paramref name="path"/> atomically with <paramref name="text"/>, mode 0600.</summary>
    public static void Write(string path, string text) => Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// Replaces <paramref name="path"/> atomically with what <paramref name="write"/> writes, mode 0600:
    /// written to a temporary file, flushed to disk, then moved over it.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        var temporary = path + ".tmp";
        File.Delete(temporary);
        using (var stream = Open(temporary))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Creates <paramref name="path"/> (mode 0600) with <paramref name="content"/>; fails if it exists.</summary>
    public static void CreateNew(string path, ReadOnlySpan<byte> content)
    {
        using var stream = Open(path);
        stream.Write(content);
        stream.Flush(flushToDisk: true);
    }

    private static FileStream Open(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerReadWrite;
        }

        return new FileStream(path, options);
    }

    /// <summary>Reads <paramref name="path"/>, first narrowing its mode to 0600 if it was wider.</summary>
    public static string? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(path) != OwnerReadWrite)
        {
            File.SetUnixFileMode(path, OwnerReadWrite);
        }

        return File.ReadAllText(path);
    }
}
