using System.Net;
using System.Net.Sockets;
using Ata.Core;
using Ata.Core.Hardware;

namespace Ata.Sim;

/// <summary>The simulated board's facts.</summary>
internal sealed class SimDevice(string deviceId) : IDeviceInfo
{
    public string Firmware => FirmwareVersion.Current;
    public string Hardware => "sim";
    public string ResetReason { get; set; } = "power-on";
    public string Mac { get; } = MacFor(deviceId);
    public int Rssi => 0;
    public long FreeHeap => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes - GC.GetTotalMemory(false);

    private static string MacFor(string id)
    {
        uint hash = 2166136261;
        foreach (char c in id)
        {
            hash = (hash ^ c) * 16777619;
        }

        // A locally administered unicast address derived from the id, stable across runs.
        return $"02:00:{(hash >> 24) & 0xff:x2}:{(hash >> 16) & 0xff:x2}:{(hash >> 8) & 0xff:x2}:{hash & 0xff:x2}";
    }
}

/// <summary>Name resolution through the operating system.</summary>
internal sealed class SystemResolver : INameResolver
{
    public string? Resolve(string host)
    {
        try
        {
            return Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)?.ToString();
        }
        catch (SocketException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The local address the OS would use to reach <paramref name="host"/>, or 127.0.0.1.</summary>
    public static string LocalAddressTowards(string host)
    {
        try
        {
            var target = IPAddress.TryParse(host, out var ip) ? ip : Dns.GetHostAddresses(host).First(a => a.AddressFamily == AddressFamily.InterNetwork);
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            probe.Connect(target, 9);
            return ((IPEndPoint)probe.LocalEndPoint!).Address.ToString();
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException or ArgumentException)
        {
            return "127.0.0.1";
        }
    }
}

/// <summary>The SLIC's ringer, shown as events.</summary>
internal sealed class SimRinger(EventPrinter events) : IRinger
{
    public void Set(int line, bool on) => events.Ringer(line, on);
}

/// <summary>The SLIC's line polarity, shown as events.</summary>
internal sealed class SimPolarity(EventPrinter events) : ILinePolarity
{
    public void Set(int line, bool reversed) => events.Polarity(line, reversed);
}
