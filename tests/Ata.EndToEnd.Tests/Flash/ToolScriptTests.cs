using System.Diagnostics;
using Ata.Lab;

namespace Ata.EndToEnd.Tests.Flash;

/// <summary>
/// tools/flash and tools/console as far as they can run without a board: argument handling, port
/// discovery (no port, one port, the dual bridge's interfaces) and a missing nanoff, each with a
/// clear message. Discovery looks in temporary folders (ATA_SERIAL_DEV, ATA_SERIAL_BY_ID).
/// </summary>
public sealed class ToolScriptTests : IDisposable
{
    private readonly RepoLayout _layout = RepoLayout.Find();
    private readonly string _scratch = Directory.CreateTempSubdirectory("ata-tools-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public async Task Flash_without_a_port_says_how_to_connect_the_board()
    {
        string image = Touch("app.bin");
        var (code, _, error) = await RunAsync("flash", ["--image", image, "--dry-run"]);
        Assert.Equal(1, code);
        Assert.Contains("no USB serial port found", error);
        Assert.Contains("--port", error);
    }

    [Fact]
    public async Task Flash_dry_run_finds_the_port_and_shows_the_three_nanoff_steps()
    {
        string image = Touch("app.bin");
        Touch("dev/ttyUSB0");
        var (code, output, error) = await RunAsync("flash", ["--image", image, "--dry-run", "--target", "ESP32_OLIMEX"]);
        Assert.True(code == 0, error);
        string port = Path.Combine(_scratch, "dev", "ttyUSB0");
        Assert.Contains($"nanoff --target ESP32_OLIMEX --serialport {port} --update", output);
        Assert.Contains($"nanoff --target ESP32_OLIMEX --serialport {port} --deploy --image {image}", output);
        Assert.Contains($"nanoff --nanodevice --serialport {port} --devicedetails", output);
    }

    /// <summary>
    /// Without --target the reference board's target is used (ESP32_OLIMEX: LAN8720 with the RMII clock out on
    /// GPIO17 and the PHY enable on GPIO12, see hardware/README.md), and --fw-version pins the runtime through
    /// nanoff's --fwversion on the runtime step only.
    /// </summary>
    [Fact]
    public async Task Flash_defaults_to_the_reference_boards_target_and_can_pin_the_firmware_version()
    {
        string image = Touch("app.bin");
        Touch("dev/ttyUSB0");
        string port = Path.Combine(_scratch, "dev", "ttyUSB0");

        var (code, output, error) = await RunAsync("flash", ["--image", image, "--dry-run"]);
        Assert.True(code == 0, error);
        Assert.Contains($"nanoff --target ESP32_OLIMEX --serialport {port} --update", output);
        Assert.DoesNotContain("--fwversion", output);

        (code, output, error) = await RunAsync("flash", ["--image", image, "--dry-run", "--fw-version", "1.2.3.4"]);
        Assert.True(code == 0, error);
        Assert.Contains($"nanoff --target ESP32_OLIMEX --serialport {port} --update --fwversion 1.2.3.4", output);
        Assert.Contains($"nanoff --target ESP32_OLIMEX --serialport {port} --deploy --image {image}\n", output.ReplaceLineEndings("\n"));

        Assert.Equal(2, (await RunAsync("flash", ["--fw-version", "latest"])).Code);
        Assert.Equal(2, (await RunAsync("flash", ["--fw-version"])).Code);
    }

    /// <summary>
    /// The adapter's own firmware (nf-interpreter built with its native media kernels, which no released
    /// image has) is flashed with --clr-file through nanoff's --clrfile; it cannot be combined with
    /// --fw-version, and a missing file is told before anything runs.
    /// </summary>
    [Fact]
    public async Task Flash_takes_the_adapters_own_firmware_image()
    {
        string image = Touch("app.bin");
        string clr = Touch("build/nanoCLR.bin");
        Touch("dev/ttyUSB0");
        string port = Path.Combine(_scratch, "dev", "ttyUSB0");

        var (code, output, error) = await RunAsync("flash", ["--image", image, "--dry-run", "--clr-file", clr]);

        Assert.True(code == 0, error);
        Assert.Contains($"nanoff --target ESP32_OLIMEX --serialport {port} --update --clrfile {clr}", output);
        Assert.Equal(2, (await RunAsync("flash", ["--image", image, "--dry-run", "--clr-file", clr, "--fw-version", "1.2.3.4"])).Code);
        (code, _, error) = await RunAsync("flash", ["--image", image, "--dry-run", "--clr-file", Path.Combine(_scratch, "none.bin")]);
        Assert.Equal(1, code);
        Assert.Contains("firmware/Ata.Native/README.md", error);
    }

    /// <summary>Every option tools/flash hands to nanoff is one nanoff has (its Options.cs, nanoframework/nanoFirmwareFlasher).</summary>
    [Fact]
    public async Task Flash_uses_only_options_nanoff_has()
    {
        string[] nanoffOptions = ["--target", "--serialport", "--update", "--fwversion", "--clrfile", "--deploy", "--image", "--nanodevice", "--devicedetails"];
        string image = Touch("app.bin");
        Touch("dev/ttyUSB0");
        var (code, output, error) = await RunAsync("flash", ["--image", image, "--dry-run", "--fw-version", "1.2.3.4"]);
        Assert.True(code == 0, error);
        string[] used = output.Split('\n')
            .Where(line => line.StartsWith("nanoff ", StringComparison.Ordinal))
            .SelectMany(line => line.Split(' '))
            .Where(word => word.StartsWith("--", StringComparison.Ordinal))
            .Distinct()
            .ToArray();
        Assert.NotEmpty(used);
        Assert.All(used, option => Assert.Contains(option, nanoffOptions));
    }

    [Fact]
    public async Task Flash_picks_the_bridges_first_interface_and_console_the_second()
    {
        string image = Touch("app.bin");
        Touch("dev/ttyACM0");
        Touch("dev/ttyACM1");
        Directory.CreateDirectory(Path.Combine(_scratch, "by-id"));
        File.CreateSymbolicLink(Path.Combine(_scratch, "by-id", "usb-WCH_CH342-if00"), Path.Combine(_scratch, "dev", "ttyACM0"));
        File.CreateSymbolicLink(Path.Combine(_scratch, "by-id", "usb-WCH_CH342-if01"), Path.Combine(_scratch, "dev", "ttyACM1"));

        var (code, output, error) = await RunAsync("flash", ["--image", image, "--dry-run", "--app-only"]);
        Assert.True(code == 0, error);
        Assert.Contains("--serialport " + Path.Combine(_scratch, "dev", "ttyACM0") + " --deploy", output);
        Assert.DoesNotContain("--update", output);

        var (_, _, consoleError) = await RunAsync("console", ["--run", "status"], timeoutSeconds: "1");
        Assert.Contains(Path.Combine(_scratch, "dev", "ttyACM1"), consoleError);
    }

    [Fact]
    public async Task Several_ports_without_the_bridge_ids_ask_for_port()
    {
        Touch("dev/ttyUSB0");
        Touch("dev/ttyUSB1");
        var (code, _, error) = await RunAsync("flash", ["--image", Touch("app.bin"), "--dry-run"]);
        Assert.Equal(1, code);
        Assert.Contains("several serial ports found", error);
    }

    [Fact]
    public async Task Flash_without_an_image_says_how_to_build_one()
    {
        var (code, _, error) = await RunAsync("flash", ["--image", Path.Combine(_scratch, "missing.bin"), "--dry-run"]);
        Assert.Equal(1, code);
        Assert.Contains("no application image", error);
        Assert.Contains("Ata.Device.nfproj", error);
    }

    [Fact]
    public async Task Bad_options_are_usage_errors()
    {
        Assert.Equal(2, (await RunAsync("flash", ["--target"])).Code);
        Assert.Equal(2, (await RunAsync("flash", ["--frobnicate"])).Code);
        Assert.Equal(2, (await RunAsync("console", ["--baud", "fast"])).Code);
        var (code, output, _) = await RunAsync("flash", ["--help"]);
        Assert.Equal(0, code);
        Assert.Contains("--dry-run", output);
    }

    [Fact]
    public async Task Console_without_a_port_says_so()
    {
        var (code, _, error) = await RunAsync("console", []);
        Assert.Equal(1, code);
        Assert.Contains("no USB serial port found", error);
        var (listCode, list, _) = await RunAsync("console", ["--list"]);
        Assert.Equal(0, listCode);
        Assert.Contains("no USB serial port found", list);
    }

    [Fact]
    public async Task Flash_says_plainly_when_nanoff_cannot_be_had()
    {
        Touch("dev/ttyUSB0");
        var (code, output, error) = await RunAsync("flash", ["--image", Touch("app.bin")], nanoff: "nanoff-not-installed-anywhere");
        Assert.Equal(1, code);
        Assert.Contains("installing it: dotnet tool install -g ata-no-such-tool", output);
        Assert.Contains("nanoff cannot be had", error);
    }

    private string Touch(string relative)
    {
        string path = Path.Combine(_scratch, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, []);
        return path;
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(string tool, string[] args, string? nanoff = null, string timeoutSeconds = "5")
    {
        var psi = new ProcessStartInfo(Path.Combine(_layout.Root, "tools", tool), args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["ATA_SERIAL_DEV"] = Path.Combine(_scratch, "dev");
        psi.Environment["ATA_SERIAL_BY_ID"] = Path.Combine(_scratch, "by-id");
        psi.Environment["ATA_CONSOLE_TIMEOUT"] = timeoutSeconds;
        string home = Path.Combine(_scratch, "home");
        Directory.CreateDirectory(home);
        psi.Environment["HOME"] = home;
        if (nanoff is not null)
        {
            psi.Environment["ATA_NANOFF"] = nanoff;
            psi.Environment["ATA_NANOFF_PACKAGE"] = "ata-no-such-tool";
        }

        using Process process = Process.Start(psi)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
