using System.Runtime.InteropServices;

namespace Ata.Mqtt.Interop;

/// <summary>The libmosquitto 2.0 functions this binding uses (mosquitto.h).</summary>
internal static unsafe partial class Native
{
    /// <summary>The import name; <see cref="MosquittoLibrary"/> resolves it to libmosquitto.so.1.</summary>
    public const string Library = "mosquitto";

    public const int Success = 0;
    public const int Invalid = 3;
    public const int NoConnection = 4;
    public const int ConnectionRefused = 5;
    public const int Errno = 14;
    public const int LookupFailed = 15;
    public const int MalformedUtf8 = 18;

    [LibraryImport(Library, EntryPoint = "mosquitto_lib_init")]
    public static partial int LibInit();

    [LibraryImport(Library, EntryPoint = "mosquitto_lib_version")]
    public static partial int LibVersion(out int major, out int minor, out int revision);

    [LibraryImport(Library, EntryPoint = "mosquitto_strerror")]
    private static partial IntPtr StrError(int rc);

    [LibraryImport(Library, EntryPoint = "mosquitto_new", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial IntPtr New(string id, [MarshalAs(UnmanagedType.U1)] bool cleanSession, IntPtr userdata);

    [LibraryImport(Library, EntryPoint = "mosquitto_destroy")]
    public static partial void Destroy(IntPtr mosq);

    [LibraryImport(Library, EntryPoint = "mosquitto_connect_callback_set")]
    public static partial void ConnectCallbackSet(IntPtr mosq, delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int, void> callback);

    [LibraryImport(Library, EntryPoint = "mosquitto_disconnect_callback_set")]
    public static partial void DisconnectCallbackSet(IntPtr mosq, delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int, void> callback);

    [LibraryImport(Library, EntryPoint = "mosquitto_publish_callback_set")]
    public static partial void PublishCallbackSet(IntPtr mosq, delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int, void> callback);

    [LibraryImport(Library, EntryPoint = "mosquitto_message_callback_set")]
    public static partial void MessageCallbackSet(IntPtr mosq, delegate* unmanaged[Cdecl]<IntPtr, IntPtr, NativeMessage*, void> callback);

    [LibraryImport(Library, EntryPoint = "mosquitto_subscribe_callback_set")]
    public static partial void SubscribeCallbackSet(IntPtr mosq, delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int, int, int*, void> callback);

    [LibraryImport(Library, EntryPoint = "mosquitto_unsubscribe_callback_set")]
    public static partial void UnsubscribeCallbackSet(IntPtr mosq, delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int, void> callback);

    [LibraryImport(Library, EntryPoint = "mosquitto_username_pw_set", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UsernamePasswordSet(MosquittoHandle mosq, string? username, string? password);

    [LibraryImport(Library, EntryPoint = "mosquitto_will_set", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int WillSet(MosquittoHandle mosq, string topic, int payloadLength, byte* payload, int qos, [MarshalAs(UnmanagedType.U1)] bool retain);

    [LibraryImport(Library, EntryPoint = "mosquitto_reconnect_delay_set")]
    public static partial int ReconnectDelaySet(MosquittoHandle mosq, uint delay, uint delayMax, [MarshalAs(UnmanagedType.U1)] bool exponential);

    [LibraryImport(Library, EntryPoint = "mosquitto_connect_async", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int ConnectAsync(MosquittoHandle mosq, string host, int port, int keepalive);

    [LibraryImport(Library, EntryPoint = "mosquitto_loop_start")]
    public static partial int LoopStart(MosquittoHandle mosq);

    [LibraryImport(Library, EntryPoint = "mosquitto_loop_stop")]
    public static partial int LoopStop(IntPtr mosq, [MarshalAs(UnmanagedType.U1)] bool force);

    [LibraryImport(Library, EntryPoint = "mosquitto_disconnect")]
    public static partial int Disconnect(MosquittoHandle mosq);

    [LibraryImport(Library, EntryPoint = "mosquitto_disconnect")]
    public static partial int Disconnect(IntPtr mosq);

    [LibraryImport(Library, EntryPoint = "mosquitto_publish", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Publish(MosquittoHandle mosq, out int mid, string topic, int payloadLength, byte* payload, int qos, [MarshalAs(UnmanagedType.U1)] bool retain);

    [LibraryImport(Library, EntryPoint = "mosquitto_subscribe", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Subscribe(MosquittoHandle mosq, out int mid, string topicFilter, int qos);

    [LibraryImport(Library, EntryPoint = "mosquitto_unsubscribe", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Unsubscribe(MosquittoHandle mosq, out int mid, string topicFilter);

    [LibraryImport(Library, EntryPoint = "mosquitto_pub_topic_check", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int PublishTopicCheck(string topic);

    [LibraryImport(Library, EntryPoint = "mosquitto_sub_topic_check", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SubscribeTopicCheck(string topicFilter);

    public static int WillSet(MosquittoHandle mosq, string topic, ReadOnlySpan<byte> payload, int qos, bool retain)
    {
        fixed (byte* bytes = payload)
        {
            return WillSet(mosq, topic, payload.Length, bytes, qos, retain);
        }
    }

    public static int Publish(MosquittoHandle mosq, out int mid, string topic, ReadOnlySpan<byte> payload, int qos, bool retain)
    {
        fixed (byte* bytes = payload)
        {
            return Publish(mosq, out mid, topic, payload.Length, bytes, qos, retain);
        }
    }

    /// <summary>libmosquitto's description of a <c>MOSQ_ERR_*</c> code.</summary>
    public static string Describe(int rc) => Marshal.PtrToStringUTF8(StrError(rc)) ?? $"error {rc}";
}

/// <summary><c>struct mosquitto_message</c>: valid only for the duration of the message callback.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeMessage
{
    public int Mid;
    public IntPtr Topic;
    public IntPtr Payload;
    public int PayloadLength;
    public int Qos;
    public byte Retain;
}
