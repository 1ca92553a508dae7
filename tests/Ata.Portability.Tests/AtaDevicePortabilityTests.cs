using Xunit.Abstractions;

namespace Ata.Portability.Tests;

/// <summary>
/// The device project must build on nanoFramework 1.x: its sources and the core's are compiled as
/// <c>Ata.Device.nfproj</c> builds them, against the real mscorlib and declarations generated from the API
/// listing for the other assemblies (<see cref="DeviceBuild"/>), and checked symbol by symbol.
/// </summary>
public sealed class AtaDevicePortabilityTests
{
    private static NanoFrameworkStubs.Build Stubs => DeviceBuild.Stubs;

    private readonly ITestOutputHelper output;

    /// <summary>Creates the test with xUnit's output sink.</summary>
    public AtaDevicePortabilityTests(ITestOutputHelper output)
    {
        this.output = output;
    }

    /// <summary>Ata.Device (with the core it links) uses only what nanoFramework 1.x has, overload by overload.</summary>
    [NanoFrameworkApiFact]
    public void Ata_Device_uses_only_what_nanoFramework_1_x_has()
    {
        PortabilityReport report = DeviceBuild.CheckDevice();

        output.WriteLine(report.Format());
        output.WriteLine("nanoFramework assemblies used: " + string.Join(", ", report.UsedAssemblies));
        Assert.True(report.IsPortable, report.Format());
        Assert.Contains("System.Device.Gpio", report.UsedAssemblies);
        Assert.Contains("nanoFramework.M2Mqtt", report.UsedAssemblies);
    }

    /// <summary>A call to an overload the listing lacks (OpenPin with a pin name) does not pass.</summary>
    [NanoFrameworkApiFact]
    public void A_non_existent_overload_of_OpenPin_is_caught()
    {
        PortabilityReport report = CheckSnippet("""
            using System.Device.Gpio;
            namespace Probe
            {
                public static class Board
                {
                    public static GpioPin Open(GpioController gpio) { return gpio.OpenPin("GPIO21", PinMode.Output); }
                }
            }
            """);

        output.WriteLine(report.Format());
        Assert.False(report.IsPortable);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.CompilationError);
    }

    /// <summary>A type nanoFramework does not have (System.Device.Gpio.GpioDriver) does not pass.</summary>
    [NanoFrameworkApiFact]
    public void A_type_that_is_not_listed_is_caught()
    {
        PortabilityReport report = CheckSnippet("""
            namespace Probe
            {
                public static class Board
                {
                    public static object Driver() { return typeof(System.Device.Gpio.GpioDriver); }
                }
            }
            """);

        Assert.False(report.IsPortable);
    }

    /// <summary>A .NET member the device does not have, on a type it has (Socket.SendTo with a span) does not pass.</summary>
    [NanoFrameworkApiFact]
    public void A_dotnet_only_member_of_a_listed_type_is_caught()
    {
        PortabilityReport report = CheckSnippet("""
            using System.Net.Sockets;
            namespace Probe
            {
                public static class Board
                {
                    public static void Send(Socket socket) { socket.Blocking = false; }
                }
            }
            """);

        Assert.False(report.IsPortable);
    }

    /// <summary>The real API is accepted: a correct OpenPin and a PWM channel compile and pass.</summary>
    [NanoFrameworkApiFact]
    public void Correct_device_code_passes()
    {
        PortabilityReport report = CheckSnippet("""
            using System.Device.Gpio;
            using System.Device.Pwm;
            namespace Probe
            {
                public static class Board
                {
                    public static void Light(GpioController gpio)
                    {
                        GpioPin pin = gpio.OpenPin(21, PinMode.Output);
                        pin.Write(PinValue.High);
                        PwmChannel pwm = PwmChannel.CreateFromPin(22, 1000, 0.5);
                        pwm.Start();
                    }
                }
            }
            """);

        output.WriteLine(report.Format());
        Assert.True(report.IsPortable, report.Format());
    }

    /// <summary>Using the value of a member whose type the stub table does not know fails and says so.</summary>
    [NanoFrameworkApiFact]
    public void A_member_with_an_unknown_type_fails_with_a_pointer_to_the_table()
    {
        PortabilityReport report = CheckSnippet("""
            namespace Probe
            {
                public static class Board
                {
                    public static int Count(System.Device.Wifi.WifiAdapter wifi) { return wifi.NetworkReport.AvailableNetworks.Length; }
                }
            }
            """);

        Assert.False(report.IsPortable);
        Assert.Contains("TypeNotInStubTable", report.Format());
    }

    /// <summary>The stub tables only speak of what the listing has: a stale entry would hide a missing API.</summary>
    [NanoFrameworkApiFact]
    public void Every_stub_table_entry_names_a_listed_api()
    {
        NanoFrameworkApi api = NanoFrameworkApi.Load(RepositoryLayout.ApiListingPath!);
        var members = new HashSet<string>(api.Ids.Where(id => id[0] is 'M' or 'P' or 'F' or 'E').Select(MemberPath), StringComparer.Ordinal);

        Assert.All(NanoFrameworkStubs.ReturnTypes.Keys, id => Assert.True(api.Contains(id), id + " is not in the listing"));
        Assert.All(NanoFrameworkStubs.StaticMembers, member => Assert.True(members.Contains(member), member + " is not in the listing"));
        string[] types = NanoFrameworkStubs.StaticTypes.Concat(NanoFrameworkStubs.Structs).Concat(NanoFrameworkStubs.ConstantClasses)
            .Concat(NanoFrameworkStubs.BaseTypes.Keys).Concat(NanoFrameworkStubs.BaseTypes.Values).ToArray();
        Assert.All(types, type => Assert.True(api.Contains("T:" + type), type + " is not in the listing"));
    }

    private static string MemberPath(string id)
    {
        string path = id[2..];
        int end = path.IndexOfAny(['(', '~']);
        path = end < 0 ? path : path[..end];
        int dot = path.LastIndexOf('.');
        string member = path[(dot + 1)..];
        return member.StartsWith("get_", StringComparison.Ordinal) || member.StartsWith("set_", StringComparison.Ordinal)
            ? path[..(dot + 1)] + member[4..]
            : path;
    }

    private static PortabilityReport CheckSnippet(string source)
    {
        var checker = new PortabilityChecker(NanoFrameworkApi.Load(RepositoryLayout.ApiListingPath!));
        return checker.Check(PortabilitySources.FromText("probe", Stubs.References, ("Probe.cs", source)));
    }
}
