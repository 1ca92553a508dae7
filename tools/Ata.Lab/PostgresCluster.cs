using System.Diagnostics;
using System.Globalization;

namespace Ata.Lab;

/// <summary>
/// A throwaway PostgreSQL cluster (Debian's <c>postgresql</c>) in a temporary folder, listening on
/// loopback on a free port: made with <c>initdb</c> (superuser <see cref="User"/>, trust on loopback,
/// UTF-8, C collation), run as the <c>postgres</c> user when this process is root (PostgreSQL refuses
/// to run as root), stopped and removed on dispose, or by a watchdog once this process is gone however it
/// ended. The tests and <c>tools/run --postgres</c> use it.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    /// <summary>The cluster's superuser, with no password (trust on loopback only).</summary>
    public const string User = "ata";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Waits for process <c>$1</c> (the owner) to be gone, then stops the cluster (<c>$3…</c>, pg_ctl) and removes
    /// its folder <c>$2</c>: a test host is killed, not stopped, once its tests are done, and a killed owner
    /// disposes of nothing.
    /// </summary>
    private const string Watchdog =
        """
        owner="$1"; root="$2"; shift 2
        while [ -d "/proc/$owner" ]; do sleep 1; done
        "$@" >/dev/null 2>&1
        rm -rf "$root"
        """;

    private readonly string _root;
    private readonly string _bin;
    private readonly ManagedProcess _server;

    private PostgresCluster(string root, string bin, int port, ManagedProcess server)
    {
        _root = root;
        _bin = bin;
        Port = port;
        _server = server;
    }

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>The folder of its data, socket and log.</summary>
    public string Directory => _root;

    /// <summary>The server's output (its log).</summary>
    public ManagedProcess Server => _server;

    /// <summary>Where Debian's PostgreSQL programs are (<c>/usr/lib/postgresql/N/bin</c>, the newest), or null when it is not installed.</summary>
    public static string? FindBinaries()
    {
        const string debian = "/usr/lib/postgresql";
        if (!System.IO.Directory.Exists(debian))
        {
            return null;
        }

        return System.IO.Directory.GetDirectories(debian)
            .Select(d => (Directory: d, Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1))
            .Where(d => d.Version > 0 && File.Exists(Path.Combine(d.Directory, "bin", "initdb")))
            .OrderByDescending(d => d.Version)
            .Select(d => Path.Combine(d.Directory, "bin"))
            .FirstOrDefault();
    }

    /// <summary>Makes and starts a cluster; returns once it accepts connections.</summary>
    /// <param name="durable">False (tests) turns off fsync: faster, and nothing to keep after a crash anyway.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="LabException">PostgreSQL is not installed, or did not start (with its log's tail).</exception>
    public static async Task<PostgresCluster> StartAsync(bool durable = false, CancellationToken cancellationToken = default)
    {
        var bin = FindBinaries() ?? throw new LabException("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql postgresql-contrib");
        var root = System.IO.Directory.CreateTempSubdirectory("ata-pg-").FullName;
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                // The postgres user must reach its data and socket folders inside.
                File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
            var data = Path.Combine(root, "data");
            var socket = Path.Combine(root, "socket");
            System.IO.Directory.CreateDirectory(data);
            System.IO.Directory.CreateDirectory(socket);
            if (IsRoot)
            {
                await RunAsync("chown", ["-R", "postgres:postgres", data, socket], cancellationToken).ConfigureAwait(false);
            }

            var (initdb, initdbArguments) = AsPostgres(Path.Combine(bin, "initdb"),
                ["-D", data, "-U", User, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"]);
            await RunAsync(initdb, initdbArguments, cancellationToken).ConfigureAwait(false);

            var port = FreePort.Tcp();
            var (postgres, arguments) = AsPostgres(Path.Combine(bin, "postgres"),
            [
                "-D", data, "-p", port.ToString(CultureInfo.InvariantCulture), "-k", socket,
                "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300", "-c", "shared_buffers=32MB",
                "-c", $"fsync={(durable ? "on" : "off")}", "-c", $"synchronous_commit={(durable ? "on" : "off")}",
                "-c", "full_page_writes=" + (durable ? "on" : "off"),
            ]);
            // ATA_POSTGRES_LOG names a file to copy the server's log to (its errors name the statement that failed).
            var copy = Environment.GetEnvironmentVariable("ATA_POSTGRES_LOG") is { Length: > 0 } file ? file : null;
            var process = ManagedProcess.Start(postgres, arguments, new ManagedProcessOptions
            {
                Name = "postgres",
                StopGracePeriod = TimeSpan.FromSeconds(10),
                StandardErrorLine = copy is null ? null : line => File.AppendAllText(copy, line + Environment.NewLine),
            });
            StartWatchdog(root, bin, data);
            var cluster = new PostgresCluster(root, bin, port, process);
            try
            {
                await process.WaitForErrorLineAsync(l => l.Contains("ready to accept connections", StringComparison.Ordinal), StartTimeout,
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is TimeoutException or InvalidOperationException)
            {
                var tail = process.Tail();
                await cluster.DisposeAsync().ConfigureAwait(false);
                throw new LabException($"PostgreSQL did not start on port {port}: {tail}");
            }

            return cluster;
        }
        catch
        {
            TryDelete(root);
            throw;
        }
    }

    /// <summary>Makes an empty database (owned by <see cref="User"/>).</summary>
    /// <param name="name">Its name (letters, digits, underscores).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>Npgsql's connection string for it.</returns>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        await RunAsync(Path.Combine(_bin, "createdb"),
            ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", User, name], cancellationToken).ConfigureAwait(false);
        return ConnectionString(name);
    }

    /// <summary>Npgsql's connection string for a database of this cluster.</summary>
    /// <param name="database">The database.</param>
    public string ConnectionString(string database) =>
        string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Database={database};Username={User}");

    /// <summary>Stops the server (fast shutdown: open sessions are ended) and removes the cluster.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_server.HasExited)
        {
            try
            {
                var data = Path.Combine(_root, "data");
                var (pgCtl, arguments) = AsPostgres(Path.Combine(_bin, "pg_ctl"), ["stop", "-D", data, "-m", "fast", "-w", "-t", "20"]);
                await RunAsync(pgCtl, arguments, CancellationToken.None).ConfigureAwait(false);
            }
            catch (LabException)
            {
                // The stop below ends it anyway.
            }
        }

        await _server.DisposeAsync().ConfigureAwait(false);
        TryDelete(_root);
    }

    private static bool IsRoot => Environment.UserName == "root";

    /// <summary>Starts the <see cref="Watchdog"/> of a cluster, outside <see cref="ManagedProcess"/> (which ends its children with their owner).</summary>
    private static void StartWatchdog(string root, string bin, string data)
    {
        var (pgCtl, stop) = AsPostgres(Path.Combine(bin, "pg_ctl"), ["stop", "-D", data, "-m", "immediate", "-w", "-t", "20"]);
        // setsid -f: in its own session, a child of init, so nothing that ends the owner's process tree ends it.
        var start = new ProcessStartInfo("setsid")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var argument in (string[])["-f", "bash", "-c", Watchdog, "postgres-watchdog", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), root, pgCtl, .. stop])
        {
            start.ArgumentList.Add(argument);
        }

        using var watchdog = Process.Start(start) ?? throw new LabException("the PostgreSQL cluster's watchdog (setsid, bash) did not start");
        watchdog.WaitForExit();
    }

    /// <summary>A PostgreSQL program run as the <c>postgres</c> user when this process is root (setpriv execs in place, so signals reach it).</summary>
    private static (string FileName, IReadOnlyList<string> Arguments) AsPostgres(string program, IReadOnlyList<string> arguments) =>
        IsRoot
            ? ("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", program, .. arguments])
            : (program, arguments);

    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new LabException($"{fileName} did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new LabException($"{Path.GetFileName(arguments.Count > 0 && fileName == "setpriv" ? arguments[4] : fileName)} failed ({process.ExitCode}): {(await error.ConfigureAwait(false)).Trim()} {(await output.ConfigureAwait(false)).Trim()}");
        }
    }

    private static void TryDelete(string root)
    {
        try
        {
            System.IO.Directory.Delete(root, recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // A temporary folder: the system cleans it later.
        }
    }
}
