using System.Globalization;

namespace Ata.Lab;

/// <summary>The lab's command line: <c>[--data DIR] [--http-port N] [--postgres]</c>.</summary>
public sealed class LabOptions
{
    /// <summary>The gateway's HTTP port when none is given (another free one is used when it is taken).</summary>
    public const int DefaultHttpPort = 8080;

    /// <summary>The usage text printed for <c>--help</c> and for a wrong command line.</summary>
    public const string Usage =
        """
        usage: ./tools/run [--data DIR] [--http-port N] [--postgres]
          --data DIR       where the lab keeps its state and logs (default: <repo>/.lab)
          --http-port N    the gateway's HTTP port on 127.0.0.1 (default: 8080, or a free one when taken)
          --postgres       keep the gateway's store in a throwaway PostgreSQL cluster on a free loopback port
                           (made for this run and removed at the end) instead of SQLite in the data folder
        """;

    /// <summary>Where the lab keeps the gateway's data, Kamailio's files and the logs.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The gateway's HTTP port on 127.0.0.1.</summary>
    public int HttpPort { get; init; } = DefaultHttpPort;

    /// <summary>Whether the port was asked for (then a taken port is an error, not a reason to pick another).</summary>
    public bool HttpPortChosen { get; init; }

    /// <summary>Whether the gateway's store is a throwaway PostgreSQL cluster (<see cref="PostgresCluster"/>) rather than SQLite.</summary>
    public bool Postgres { get; init; }

    /// <summary>Whether only the usage was asked for.</summary>
    public bool HelpRequested { get; init; }

    /// <summary>Reads the command line.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="defaultDataDirectory">The data folder when <c>--data</c> is not given.</param>
    /// <exception cref="ArgumentException">An unknown option or a bad value; the message is one line.</exception>
    public static LabOptions Parse(IReadOnlyList<string> args, string defaultDataDirectory)
    {
        ArgumentNullException.ThrowIfNull(args);
        var data = defaultDataDirectory;
        int? port = null;
        var help = false;
        var postgres = false;
        for (var index = 0; index < args.Count; index++)
        {
            var (name, inlineValue) = Split(args[index]);
            switch (name)
            {
                case "-h" or "--help":
                    help = true;
                    break;
                case "--postgres" when inlineValue is null:
                    postgres = true;
                    break;
                case "--data":
                    data = inlineValue ?? ValueAfter(args, ref index, name);
                    break;
                case "--http-port":
                    var text = inlineValue ?? ValueAfter(args, ref index, name);
                    port = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is > 0 and < 65536
                        ? number
                        : throw new ArgumentException($"--http-port wants a port number (1-65535), not '{text}'");
                    break;
                default:
                    throw new ArgumentException($"unknown option '{args[index]}'");
            }
        }

        return new LabOptions
        {
            DataDirectory = Path.GetFullPath(data),
            HttpPort = port ?? DefaultHttpPort,
            HttpPortChosen = port is not null,
            HelpRequested = help,
            Postgres = postgres,
        };
    }

    private static (string Name, string? Value) Split(string argument)
    {
        var equals = argument.IndexOf('=', StringComparison.Ordinal);
        return argument.StartsWith("--", StringComparison.Ordinal) && equals > 0
            ? (argument[..equals], argument[(equals + 1)..])
            : (argument, null);
    }

    private static string ValueAfter(IReadOnlyList<string> args, ref int index, string name) =>
        ++index < args.Count ? args[index] : throw new ArgumentException($"{name} wants a value");
}
