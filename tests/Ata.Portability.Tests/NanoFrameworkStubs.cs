using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Ata.Portability.Tests;

/// <summary>
/// Declarations of the nanoFramework assemblies the registry here does not serve (everything but
/// mscorlib: GPIO, sockets, M2Mqtt, collections, text, …), generated from the API listing, so that the
/// core and the device project compile here against the real mscorlib plus these. Only what the listing
/// has is declared: a call to an overload it lacks does not compile, and <see cref="PortabilityChecker"/>
/// then checks every symbol used by exact ID anyway.
/// </summary>
/// <remarks>
/// <para>The declarations are compiled, as one assembly, against nanoFramework's own mscorlib, so
/// <c>System.Net.Sockets.Socket</c>, <c>System.Collections.Hashtable</c> or M2Mqtt are nanoFramework's
/// types in nanoFramework's type system, never .NET's.</para>
/// <para>A documentation-comment ID names a member and its parameter types but not everything C#
/// needs. Those facts come first from small tables kept here, checked against the nanoFramework
/// sources: return and property types (<see cref="ReturnTypes"/>), which members are static
/// (<see cref="StaticMembers"/>, <see cref="StaticTypes"/>), and kinds that the IDs do not show
/// (<see cref="Structs"/>, <see cref="ConstantClasses"/>, <see cref="BaseTypes"/>); then from the .NET
/// member with the same ID (<see cref="DotNetShapes"/>); then from naming conventions (<see cref="StubEmitter"/>).
/// A member whose type is still unknown is declared with the type <see cref="UnknownType"/>: using its
/// value does not compile, and the error names that type, so the table is extended on purpose, never
/// by guess.</para>
/// </remarks>
public static class NanoFrameworkStubs
{
    /// <summary>The type members get when the table does not know theirs.</summary>
    public const string UnknownType = "Ata.Portability.Stubs.TypeNotInStubTable_AddItToNanoFrameworkStubs";

    /// <summary>Return, property and field types (C# type names) by documentation-comment ID.</summary>
    public static readonly IReadOnlyDictionary<string, string> ReturnTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["M:System.Device.Gpio.GpioController.OpenPin(System.Int32,System.Device.Gpio.PinMode)"] = "System.Device.Gpio.GpioPin",
        ["M:System.Device.Gpio.GpioController.OpenPin(System.Int32)"] = "System.Device.Gpio.GpioPin",
        ["M:System.Device.Gpio.GpioPin.Read"] = "System.Device.Gpio.PinValue",
        ["M:System.Device.Gpio.GpioController.Read(System.Int32)"] = "System.Device.Gpio.PinValue",
        ["P:System.Device.Gpio.GpioPin.DebounceTimeout"] = "System.TimeSpan",
        ["P:System.Device.Gpio.GpioPin.PinNumber"] = "System.Int32",
        ["P:System.Device.Gpio.PinValue.High"] = "System.Device.Gpio.PinValue",
        ["P:System.Device.Gpio.PinValue.Low"] = "System.Device.Gpio.PinValue",
        ["P:System.Device.Gpio.PinValueChangedEventArgs.ChangeType"] = "System.Device.Gpio.PinEventTypes",
        ["P:System.Device.Gpio.PinValueChangedEventArgs.PinNumber"] = "System.Int32",
        ["M:System.Device.Pwm.PwmChannel.CreateFromPin(System.Int32,System.Int32,System.Double)"] = "System.Device.Pwm.PwmChannel",
        ["P:System.Device.Pwm.PwmChannel.DutyCycle"] = "System.Double",
        ["P:System.Device.Pwm.PwmChannel.Frequency"] = "System.Int32",
        ["M:System.Device.I2s.I2sDevice.Create(System.Device.I2s.I2sConnectionSettings)"] = "System.Device.I2s.I2sDevice",
        ["M:nanoFramework.Networking.NetworkHelper.SetupAndConnectNetwork(nanoFramework.Networking.IPConfiguration,System.Threading.CancellationToken,System.Boolean)"] = "System.Boolean",
        ["M:nanoFramework.Networking.NetworkHelper.SetupAndConnectNetwork(System.Threading.CancellationToken,System.Boolean)"] = "System.Boolean",
        ["M:nanoFramework.Networking.WifiNetworkHelper.ConnectDhcp(System.String,System.String,System.Device.Wifi.WifiReconnectionKind,System.Boolean,System.Int32,System.Threading.CancellationToken)"] = "System.Boolean",
        ["M:nanoFramework.Networking.WifiNetworkHelper.ConnectFixAddress(System.String,System.String,nanoFramework.Networking.IPConfiguration,System.Device.Wifi.WifiReconnectionKind,System.Boolean,System.Int32,System.Threading.CancellationToken)"] = "System.Boolean",
        ["P:nanoFramework.Networking.NetworkHelper.Status"] = "nanoFramework.Networking.NetworkHelperStatus",
        ["P:nanoFramework.Networking.WifiNetworkHelper.Status"] = "nanoFramework.Networking.NetworkHelperStatus",
        ["M:System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces"] = "System.Net.NetworkInformation.NetworkInterface[]",
        ["P:System.Net.NetworkInformation.NetworkInterface.IPv4Address"] = "System.String",
        ["P:System.Net.NetworkInformation.NetworkInterface.IPv4DnsAddresses"] = "System.String[]",
        ["M:System.Net.Sockets.Socket.Receive(System.Byte[],System.Int32,System.Int32,System.Net.Sockets.SocketFlags)"] = "System.Int32",
        ["M:System.Net.Sockets.Socket.Send(System.Byte[],System.Int32,System.Int32,System.Net.Sockets.SocketFlags)"] = "System.Int32",
        ["P:System.Net.Sockets.Socket.SendTimeout"] = "System.Int32",
        ["P:System.Net.NetworkInformation.NetworkInterface.PhysicalAddress"] = "System.Byte[]",
        ["P:System.Net.NetworkInformation.NetworkInterface.NetworkInterfaceType"] = "System.Net.NetworkInformation.NetworkInterfaceType",
        ["M:System.Net.Dns.GetHostEntry(System.String)"] = "System.Net.IPHostEntry",
        ["P:System.Net.IPHostEntry.AddressList"] = "System.Net.IPAddress[]",
        ["M:System.Net.IPAddress.Parse(System.String)"] = "System.Net.IPAddress",
        ["M:System.Net.IPAddress.ToString"] = "System.String",
        ["F:System.Net.IPAddress.Any"] = "System.Net.IPAddress",
        ["P:System.Net.IPAddress.AddressFamily"] = "System.Net.Sockets.AddressFamily",
        ["P:System.Net.IPEndPoint.Address"] = "System.Net.IPAddress",
        ["P:System.Net.IPEndPoint.Port"] = "System.Int32",
        ["M:System.Net.Sockets.Socket.ReceiveFrom(System.Byte[],System.Net.EndPoint@)"] = "System.Int32",
        ["M:System.Net.Sockets.Socket.SendTo(System.Byte[],System.Int32,System.Int32,System.Net.Sockets.SocketFlags,System.Net.EndPoint)"] = "System.Int32",
        ["M:System.Net.Sockets.Socket.Poll(System.Int32,System.Net.Sockets.SelectMode)"] = "System.Boolean",
        ["P:System.Net.Sockets.Socket.Available"] = "System.Int32",
        ["P:System.Net.Sockets.Socket.LocalEndPoint"] = "System.Net.EndPoint",
        ["P:System.Net.Sockets.SocketException.ErrorCode"] = "System.Int32",
        ["M:System.IO.File.Exists(System.String)"] = "System.Boolean",
        ["M:System.IO.File.ReadAllBytes(System.String)"] = "System.Byte[]",
        ["M:System.IO.Directory.Exists(System.String)"] = "System.Boolean",
        ["M:System.IO.Directory.CreateDirectory(System.String)"] = "System.IO.DirectoryInfo",
        ["M:System.IO.Directory.GetFiles(System.String)"] = "System.String[]",
        ["M:System.IO.Path.Combine(System.String,System.String)"] = "System.String",
        ["M:System.IO.Ports.SerialPort.ReadExisting"] = "System.String",
        ["M:System.IO.Ports.SerialPort.Read(System.Byte[],System.Int32,System.Int32)"] = "System.Int32",
        ["P:System.IO.Ports.SerialPort.BytesToRead"] = "System.Int32",
        ["P:System.IO.Ports.SerialPort.ReadTimeout"] = "System.Int32",
        ["P:System.IO.Ports.SerialPort.IsOpen"] = "System.Boolean",
        ["M:nanoFramework.M2Mqtt.MqttClient.Connect(System.String,System.String,System.String,System.Boolean,nanoFramework.M2Mqtt.Messages.MqttQoSLevel,System.Boolean,System.String,System.String,System.Boolean,System.UInt16)"] = "nanoFramework.M2Mqtt.Messages.MqttReasonCode",
        ["M:nanoFramework.M2Mqtt.MqttClient.Publish(System.String,System.Byte[],System.String,System.Collections.ArrayList,nanoFramework.M2Mqtt.Messages.MqttQoSLevel,System.Boolean)"] = "System.UInt16",
        ["M:nanoFramework.M2Mqtt.MqttClient.Subscribe(System.String[],nanoFramework.M2Mqtt.Messages.MqttQoSLevel[])"] = "System.UInt16",
        ["P:nanoFramework.M2Mqtt.MqttClient.IsConnected"] = "System.Boolean",
        ["P:nanoFramework.M2Mqtt.Messages.MqttMsgPublishEventArgs.Topic"] = "System.String",
        ["P:nanoFramework.M2Mqtt.Messages.MqttMsgPublishEventArgs.Message"] = "System.Byte[]",
        ["M:nanoFramework.Hardware.Esp32.Sleep.GetWakeupCause"] = "nanoFramework.Hardware.Esp32.Sleep.WakeupCause",
        ["P:nanoFramework.Runtime.Native.SystemInfo.TargetName"] = "System.String",
        ["P:nanoFramework.Runtime.Native.SystemInfo.Platform"] = "System.String",
        ["M:nanoFramework.Runtime.Native.GC.Run(System.Boolean)"] = "System.UInt32",
        ["P:System.Environment.TickCount64"] = "System.Int64",
    };

    /// <summary>Static members outside <see cref="StaticTypes"/>, by ID without the kind prefix's parameters.</summary>
    public static readonly IReadOnlySet<string> StaticMembers = new HashSet<string>(StringComparer.Ordinal)
    {
        "System.Device.Pwm.PwmChannel.CreateFromPin",
        "System.Device.Pwm.PwmChannel.Create",
        "System.Device.I2s.I2sDevice.Create",
        "System.Device.Gpio.PinValue.High",
        "System.Device.Gpio.PinValue.Low",
        "System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces",
        "System.Net.NetworkInformation.NetworkInterface.GetIsNetworkAvailable",
        "System.Net.IPAddress.Parse",
        "System.Net.IPAddress.Any",
        "System.Net.IPAddress.Loopback",
        "System.Threading.Thread.Sleep",
        "System.Threading.Thread.CurrentThread",
        "System.Environment.TickCount64",
    };

    /// <summary>Types all of whose members are static (static classes in nanoFramework).</summary>
    public static readonly IReadOnlySet<string> StaticTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "System.IO.File",
        "System.IO.Directory",
        "System.IO.Path",
        "System.Net.Dns",
        "System.Environment",
        "nanoFramework.Networking.NetworkHelper",
        "nanoFramework.Networking.WifiNetworkHelper",
        "nanoFramework.Hardware.Esp32.Configuration",
        "nanoFramework.Hardware.Esp32.Sleep",
        "nanoFramework.Hardware.Esp32.NativeMemory",
        "nanoFramework.Runtime.Native.Power",
        "nanoFramework.Runtime.Native.GC",
        "nanoFramework.Runtime.Native.SystemInfo",
        "nanoFramework.Runtime.Native.ExecutionConstraint",
    };

    /// <summary>Value types (the IDs do not tell a struct from a class).</summary>
    public static readonly IReadOnlySet<string> Structs = new HashSet<string>(StringComparer.Ordinal)
    {
        "System.Device.Gpio.PinValue",
        "System.Device.Gpio.PinValuePair",
        "System.Device.Gpio.WaitForEventResult",
        "System.SpanByte",
        "System.Threading.CancellationToken",
        "System.Threading.CancellationTokenRegistration",
    };

    /// <summary>Base classes the IDs do not show (exceptions and event arguments are derived from their names).</summary>
    public static readonly IReadOnlyDictionary<string, string> BaseTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["System.Net.IPEndPoint"] = "System.Net.EndPoint",
    };

    /// <summary>Classes of <c>const int</c> fields that would otherwise look like enums.</summary>
    public static readonly IReadOnlySet<string> ConstantClasses = new HashSet<string>(StringComparer.Ordinal)
    {
        "nanoFramework.Hardware.Esp32.Gpio",
    };

    /// <summary>The generated C# declarations, the real mscorlib they are compiled against, and the compiled stubs.</summary>
    public sealed record Build(string Source, MetadataReference CoreLibrary, MetadataReference Stubs, IReadOnlyList<string> StubbedTypes)
    {
        /// <summary>What the device project compiles against: nanoFramework's own mscorlib plus the stubs.</summary>
        public IReadOnlyList<MetadataReference> References => new[] { CoreLibrary, Stubs };
    }

    /// <summary>
    /// Generates declarations for every type the listing gives to one of <paramref name="assemblies"/>
    /// (the nanoFramework assemblies the registry here does not serve) and compiles them, as one
    /// assembly, against <paramref name="coreLibrary"/> (the real mscorlib). Throws when the generated
    /// stubs themselves do not compile (a table entry naming a type that does not exist).
    /// </summary>
    public static Build Create(NanoFrameworkApi api, MetadataReference coreLibrary, IEnumerable<string> assemblies)
    {
        var stubbedAssemblies = new HashSet<string>(assemblies, StringComparer.Ordinal);
        var ids = api.Ids.Where(id => id.IndexOf('`') < 0 && id.IndexOf('{') < 0 && id.IndexOf('*') < 0).ToList();
        var typeNames = new HashSet<string>(ids.Where(id => id.StartsWith("T:", StringComparison.Ordinal)).Select(id => id[2..]), StringComparer.Ordinal);
        var stubbed = typeNames
            .Where(t => api.AssemblyOf("T:" + t) is { } assembly && stubbedAssemblies.Contains(assembly))
            .OrderBy(t => t, StringComparer.Ordinal)
            .ToList();
        var stubbedSet = new HashSet<string>(stubbed, StringComparer.Ordinal);
        var members = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string id in ids.Where(id => !id.StartsWith("T:", StringComparison.Ordinal)))
        {
            string? owner = OwnerType(id, typeNames);
            if (owner != null && stubbedSet.Contains(owner))
            {
                if (!members.TryGetValue(owner, out List<string>? list))
                {
                    members[owner] = list = new List<string>();
                }

                list.Add(id);
            }
        }

        var nanoTypes = new HashSet<string>(
            typeNames.Where(t => stubbedSet.Contains(t) || api.AssemblyOf("T:" + t) == "mscorlib"),
            StringComparer.Ordinal);
        var emitter = new StubEmitter(typeNames, stubbedSet, members, new DotNetShapes(nanoTypes));
        var source = new StringBuilder();
        source.AppendLine("namespace Ata.Portability.Stubs { public sealed class TypeNotInStubTable_AddItToNanoFrameworkStubs { private TypeNotInStubTable_AddItToNanoFrameworkStubs() { } } }");
        foreach (string type in stubbed.Where(t => ParentType(t, typeNames) == null))
        {
            int dot = type.LastIndexOf('.');
            source.Append("namespace ").Append(type[..dot]).AppendLine(" {");
            emitter.EmitType(source, type);
            source.AppendLine("}");
        }

        string text = source.ToString();
        CSharpCompilation compilation = CSharpCompilation.Create(
            "nanoFramework.Stubs",
            new[] { CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Latest), "stubs.cs") },
            new[] { coreLibrary },
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Disable));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        if (!result.Success)
        {
            string errors = string.Join(Environment.NewLine, result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(20)
                .Select(d => d.GetMessage(CultureInfo.InvariantCulture) + " @ " + Line(text, d)));
            throw new InvalidOperationException("the generated nanoFramework stubs do not compile:" + Environment.NewLine + errors);
        }

        return new Build(text, coreLibrary, MetadataReference.CreateFromImage(image.ToArray()), stubbed);
    }

    internal static string? ParentType(string type, HashSet<string> typeNames)
    {
        int dot = type.LastIndexOf('.');
        return dot > 0 && typeNames.Contains(type[..dot]) ? type[..dot] : null;
    }

    internal static string? OwnerType(string id, HashSet<string> typeNames)
    {
        string name = MemberPath(id);
        int dot = name.LastIndexOf('.');
        return dot > 0 && typeNames.Contains(name[..dot]) ? name[..dot] : null;
    }

    /// <summary>The ID without kind, parameters and conversion suffix: <c>Ns.Type.Member</c>.</summary>
    internal static string MemberPath(string id)
    {
        string name = id[2..];
        int paren = name.IndexOf('(');
        if (paren >= 0)
        {
            name = name[..paren];
        }

        int tilde = name.IndexOf('~');
        return tilde >= 0 ? name[..tilde] : name;
    }

    internal static string MemberName(string id)
    {
        string path = MemberPath(id);
        return path[(path.LastIndexOf('.') + 1)..];
    }

    internal static List<string> Parameters(string id)
    {
        var list = new List<string>();
        int open = id.IndexOf('(');
        if (open < 0)
        {
            return list;
        }

        int close = id.LastIndexOf(')');
        string inner = id[(open + 1)..close];
        int depth = 0;
        int start = 0;
        for (int i = 0; i < inner.Length; i++)
        {
            char c = inner[i];
            if (c == '[')
            {
                depth++;
            }
            else if (c == ']')
            {
                depth--;
            }
            else if (c == ',' && depth == 0)
            {
                list.Add(inner[start..i]);
                start = i + 1;
            }
        }

        list.Add(inner[start..]);
        return list;
    }

    /// <summary>A documentation-comment type name as C#: <c>global::System.Byte[]</c>.</summary>
    internal static string TypeName(string docType) => docType == "System.Void" ? "void" : "global::" + docType.Replace("[0:,0:]", "[,]");

    /// <summary>
    /// Methods whose names say they do something (Open, Write, Start, Set…) are declared void when the
    /// table does not know better; anything else gets <see cref="UnknownType"/>.
    /// </summary>
    internal static string VoidOrUnknown(string id)
    {
        string name = MemberName(id);
        string[] verbs = { "Open", "Close", "Write", "Start", "Stop", "Set", "Enable", "Disable", "Reset", "Reboot", "Bind", "Connect", "Disconnect", "Flush", "Delete", "Install", "Toggle", "Register", "Unregister", "Clear", "Add", "Remove", "Dispose", "Abort", "Join", "Suspend", "Resume", "Break", "Assert" };
        bool isAction = verbs.Any(v => name == v || (name.StartsWith(v, StringComparison.Ordinal) && name.Length > v.Length && char.IsUpper(name[v.Length])));
        return isAction ? "void" : "global::" + UnknownType;
    }

    private static string Line(string text, Diagnostic d)
    {
        int line = d.Location.GetLineSpan().StartLinePosition.Line;
        string[] lines = text.Split('\n');
        return line < lines.Length ? lines[line].Trim() : string.Empty;
    }
}
