using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace Ata.Mqtt.Interop;

/// <summary>
/// Receives libmosquitto's callbacks on its network thread. The callbacks are static (nothing for
/// the GC to collect under native code); each copies what it was given and queues it, so no
/// managed handler ever runs on, or blocks, the network thread, and no exception reaches native code.
/// </summary>
internal sealed unsafe class CallbackSink
{
    private readonly Channel<NativeEvent> _events = Channel.CreateUnbounded<NativeEvent>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

    /// <summary>The events, in the order libmosquitto reported them.</summary>
    public ChannelReader<NativeEvent> Events => _events.Reader;

    /// <summary>Ends <see cref="Events"/>; called once the native object is destroyed.</summary>
    public void Complete() => _events.Writer.TryComplete();

    /// <summary>Points all of <paramref name="mosq"/>'s callbacks at this class.</summary>
    public static void Attach(IntPtr mosq)
    {
        Native.ConnectCallbackSet(mosq, &OnConnect);
        Native.DisconnectCallbackSet(mosq, &OnDisconnect);
        Native.PublishCallbackSet(mosq, &OnPublish);
        Native.MessageCallbackSet(mosq, &OnMessage);
        Native.SubscribeCallbackSet(mosq, &OnSubscribe);
        Native.UnsubscribeCallbackSet(mosq, &OnUnsubscribe);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnConnect(IntPtr mosq, IntPtr userdata, int result) =>
        Post(userdata, new ConnackEvent(result));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnDisconnect(IntPtr mosq, IntPtr userdata, int reason) =>
        Post(userdata, new ConnectionClosedEvent(reason));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnPublish(IntPtr mosq, IntPtr userdata, int mid) =>
        Post(userdata, new PublishedEvent(mid));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnUnsubscribe(IntPtr mosq, IntPtr userdata, int mid) =>
        Post(userdata, new UnsubackEvent(mid));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnMessage(IntPtr mosq, IntPtr userdata, NativeMessage* message)
    {
        try
        {
            string topic = Marshal.PtrToStringUTF8(message->Topic) ?? string.Empty;
            byte[] payload = message->PayloadLength > 0 && message->Payload != IntPtr.Zero
                ? new ReadOnlySpan<byte>((void*)message->Payload, message->PayloadLength).ToArray()
                : [];
            Post(userdata, new MessageEvent(new MqttMessage(topic, payload, message->Qos, message->Retain != 0)));
        }
        catch (Exception)
        {
            // Nothing may unwind into libmosquitto; the message is lost, as if the network had dropped it.
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnSubscribe(IntPtr mosq, IntPtr userdata, int mid, int count, int* grantedQos)
    {
        try
        {
            int[] granted = count > 0 && grantedQos != null ? new ReadOnlySpan<int>(grantedQos, count).ToArray() : [];
            Post(userdata, new SubackEvent(mid, granted));
        }
        catch (Exception)
        {
            // Nothing may unwind into libmosquitto; the subscriber keeps waiting until it is cancelled or disposed.
        }
    }

    private static void Post(IntPtr userdata, NativeEvent e)
    {
        try
        {
            if (GCHandle.FromIntPtr(userdata).Target is CallbackSink sink)
            {
                sink._events.Writer.TryWrite(e);
            }
        }
        catch (Exception)
        {
            // Nothing may unwind into libmosquitto.
        }
    }
}
