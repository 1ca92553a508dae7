using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Ata.Core;
using Ata.Core.Console;
using Ata.Core.Hardware;
using Ata.Core.Settings;

namespace Ata.Sim;

/// <summary>
/// The technician console on a pseudo-terminal, as the board offers it on its USB serial port: a
/// terminal program (or <c>tools/console</c>) opens the printed <c>/dev/pts/N</c>, and the core's
/// <see cref="TechnicianConsole"/> answers. Input is handed to the simulator's loop thread, which owns
/// the adapter; the pty is in raw mode, so echo and line editing are the console's own, as on the board.
/// </summary>
internal sealed class SimConsole : IDisposable
{
    private readonly int _master;
    private readonly int _slave;
    private readonly TechnicianConsole _console;
    private readonly BlockingCollection<Action> _inbox;
    private readonly Func<long> _now;
    private readonly Action<string> _log;
    private volatile bool _closed;

    private SimConsole(int master, int slave, string path, TechnicianConsole console, BlockingCollection<Action> inbox, Func<long> now, Action<string> log)
    {
        _master = master;
        _slave = slave;
        Path = path;
        _console = console;
        _inbox = inbox;
        _now = now;
        _log = log;
    }

    /// <summary>The pseudo-terminal a technician's terminal program opens.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens the console when <c>--console-pty</c> was given (else returns null): settings come from
    /// the store (<c>--store DIR</c>, else memory), seeded from the command line, and the pty path is
    /// announced as the host event <c>console-pty</c>.
    /// </summary>
    public static SimConsole? StartIfAsked(SimOptions options, Adapter adapter, SimConfigStore store, BlockingCollection<Action> inbox, Func<long> now,
        EventPrinter events, RecentLog log, Action<string> hostLog)
    {
        if (!options.ConsolePty)
        {
            return null;
        }

        DeviceSettings settings = DeviceSettings.Load(store, out string? error);
        if (error is not null)
        {
            hostLog($"settings in {options.StoreDirectory} unreadable, using defaults: {error}");
        }

        Seed(settings, DeviceSettings.DeviceIdKey, options.DeviceId);
        Seed(settings, DeviceSettings.DeviceSecretKey, options.Secret);
        Seed(settings, DeviceSettings.GatewayHostKey, options.BrokerHost);
        Seed(settings, DeviceSettings.GatewayPortKey, options.BrokerHost is null ? null : options.BrokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        SimConsole console = Open(adapter, new SimDevice(options.DeviceId), settings, store, log, inbox, now, hostLog);
        events.Host("console-pty", console.Path);
        hostLog($"technician console on {console.Path}");
        return console;
    }

    private static void Seed(DeviceSettings settings, string key, string? value)
    {
        if (value is not null && settings.Get(key)!.Length == 0)
        {
            settings.Set(key, value);
        }
    }

    /// <summary>Opens a pty and starts reading it; throws <see cref="SimStartException"/> when no pty can be had.</summary>
    public static SimConsole Open(Adapter adapter, IDeviceInfo device, DeviceSettings settings, IConfigStore store, RecentLog log,
        BlockingCollection<Action> inbox, Func<long> now, Action<string> hostLog)
    {
        if (Native.openpty(out int master, out int slave, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero) != 0)
        {
            throw new SimStartException($"cannot open a pseudo-terminal for the console (errno {Marshal.GetLastWin32Error()})");
        }

        byte[] termios = new byte[256];
        if (Native.tcgetattr(slave, termios) == 0)
        {
            Native.cfmakeraw(termios);
            Native.tcsetattr(slave, 0, termios);
        }

        string path = Marshal.PtrToStringAnsi(Native.ptsname(master)) ?? "(unknown pty)";
        var console = new TechnicianConsole(adapter, device, settings, store, log, now());
        var sim = new SimConsole(master, slave, path, console, inbox, now, hostLog);
        new Thread(sim.ReadLoop) { IsBackground = true, Name = "console-pty" }.Start();
        return sim;
    }

    public void Dispose()
    {
        _closed = true;
        Native.close(_slave);
        Native.close(_master);
    }

    private void ReadLoop()
    {
        byte[] buffer = new byte[256];
        while (!_closed)
        {
            nint n = Native.read(_master, buffer, buffer.Length);
            if (n <= 0)
            {
                if (_closed)
                {
                    return;
                }

                // A terminal program closing the pty is not an error: wait for the next one.
                Thread.Sleep(50);
                continue;
            }

            string text = Encoding.ASCII.GetString(buffer, 0, (int)n);
            try
            {
                _inbox.Add(() => Handle(text));
            }
            catch (InvalidOperationException)
            {
                // The simulator is stopping: its inbox is closed or disposed.
                return;
            }
        }
    }

    private void Handle(string text)
    {
        Write(_console.Receive(text, _now()));
    }

    /// <summary>The settings the console shows and changes (the board's settings).</summary>
    public DeviceSettings Settings => _console.Settings;

    /// <summary>Points the console at the adapter after a soft reboot.</summary>
    public void Attach(Adapter adapter) => _console.Adapter = adapter;

    /// <summary>The store was erased (a factory reset): the console's settings go back to factory defaults.</summary>
    public void StoreErased() => _console.StoreErased();

    /// <summary>Sends what the console says unasked (an echo path measurement's outcome); called from the loop thread.</summary>
    public void Tick(long now) => Write(_console.Tick(now));

    /// <summary>Sends the greeting, for a technician who connects after start.</summary>
    public void Greet() => Write(_console.Greeting());

    private void Write(string text)
    {
        if (text.Length == 0 || _closed)
        {
            return;
        }

        byte[] bytes = Encoding.ASCII.GetBytes(text);
        int offset = 0;
        while (offset < bytes.Length)
        {
            byte[] chunk = offset == 0 ? bytes : bytes[offset..];
            nint written = Native.write(_master, chunk, chunk.Length);
            if (written <= 0)
            {
                return;
            }

            offset += (int)written;
        }
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int openpty(out int master, out int slave, IntPtr name, IntPtr termp, IntPtr winp);

        [DllImport("libc")]
        public static extern IntPtr ptsname(int fd);

        [DllImport("libc", SetLastError = true)]
        public static extern int tcgetattr(int fd, byte[] termios);

        [DllImport("libc")]
        public static extern void cfmakeraw(byte[] termios);

        [DllImport("libc", SetLastError = true)]
        public static extern int tcsetattr(int fd, int optionalActions, byte[] termios);

        [DllImport("libc", SetLastError = true)]
        public static extern nint read(int fd, byte[] buffer, nint count);

        [DllImport("libc", SetLastError = true)]
        public static extern nint write(int fd, byte[] buffer, nint count);

        [DllImport("libc")]
        public static extern int close(int fd);
    }
}

/// <summary>
/// The simulator's config store: one file per record in a directory, written to a temporary file and
/// renamed into place (atomic on POSIX), framed like the board's records; or in memory when no
/// directory is given.
/// </summary>
internal sealed class SimConfigStore(string? directory) : IConfigStore
{
    private readonly Dictionary<string, string> _memory = [];

    public string? Read(string name)
    {
        if (directory is null)
        {
            return _memory.GetValueOrDefault(name);
        }

        string path = System.IO.Path.Combine(directory, name + ".rec");
        return File.Exists(path) ? ConfigRecord.Decode(File.ReadAllBytes(path)) : null;
    }

    public bool Write(string name, string content)
    {
        if (directory is null)
        {
            _memory[name] = content;
            return true;
        }

        try
        {
            Directory.CreateDirectory(directory);
            string path = System.IO.Path.Combine(directory, name + ".rec");
            File.WriteAllBytes(path + ".new", ConfigRecord.Encode(content));
            File.Move(path + ".new", path, overwrite: true);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    public void EraseAll()
    {
        _memory.Clear();
        if (directory is not null && Directory.Exists(directory))
        {
            foreach (string file in Directory.EnumerateFiles(directory, "*.rec"))
            {
                File.Delete(file);
            }
        }
    }
}
