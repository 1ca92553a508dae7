using System.Runtime.InteropServices;

namespace Ata.Mqtt.Interop;

/// <summary>Loads libmosquitto once per process and calls <c>mosquitto_lib_init</c> once.</summary>
internal static class MosquittoLibrary
{
    public const string InstallHint = "install it with: sudo apt-get install libmosquitto1";

    // Debian ships only the versioned name unless libmosquitto-dev is installed.
    private static readonly string[] Candidates = ["libmosquitto.so.1", "libmosquitto.so", "libmosquitto.1.dylib", "mosquitto"];

    private static readonly Lazy<Version> Initialized = new(Initialize, LazyThreadSafetyMode.ExecutionAndPublication);

    private static IntPtr s_library;

    /// <summary>The loaded libmosquitto's version; loads and initialises it on first use.</summary>
    public static Version Version => Initialized.Value;

    /// <summary>Loads and initialises libmosquitto, or throws a <see cref="DllNotFoundException"/> that says how to install it.</summary>
    public static void EnsureInitialized() => _ = Initialized.Value;

    /// <summary>Loads the first of <paramref name="candidates"/> that the dynamic loader finds.</summary>
    public static IntPtr Load(IReadOnlyList<string> candidates)
    {
        foreach (string name in candidates)
        {
            if (NativeLibrary.TryLoad(name, out IntPtr library))
            {
                return library;
            }
        }

        throw new DllNotFoundException(
            $"The MQTT client library libmosquitto ({candidates[0]}) was not found; {InstallHint}");
    }

    private static Version Initialize()
    {
        s_library = Load(Candidates);
        NativeLibrary.SetDllImportResolver(
            typeof(MosquittoLibrary).Assembly,
            static (name, _, _) => name == Native.Library ? s_library : IntPtr.Zero);

        int rc = Native.LibInit();
        if (rc != Native.Success)
        {
            throw new MosquittoException(rc, $"mosquitto_lib_init failed: {Native.Describe(rc)}");
        }

        Native.LibVersion(out int major, out int minor, out int revision);
        return new Version(major, minor, revision);
    }
}
