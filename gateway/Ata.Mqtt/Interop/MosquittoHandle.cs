using System.Runtime.InteropServices;

namespace Ata.Mqtt.Interop;

/// <summary>
/// Owns a <c>struct mosquitto</c>. Releasing it (Dispose, or the finalizer when a client is
/// abandoned) disconnects cleanly, stops the network thread, destroys the object, and only then
/// frees the handle its callbacks reach the <see cref="CallbackSink"/> through.
/// </summary>
internal sealed class MosquittoHandle : SafeHandle
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DisconnectRetry = TimeSpan.FromMilliseconds(100);

    private readonly CallbackSink? _sink;
    private GCHandle _sinkHandle;
    private volatile bool _loopStarted;

    /// <summary>For the interop marshaller only.</summary>
    public MosquittoHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    private MosquittoHandle(IntPtr mosq, CallbackSink sink, GCHandle sinkHandle)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        _sink = sink;
        _sinkHandle = sinkHandle;
        SetHandle(mosq);
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Creates the native client and points its callbacks at <paramref name="sink"/>.</summary>
    public static MosquittoHandle Create(string clientId, bool cleanSession, CallbackSink sink)
    {
        GCHandle sinkHandle = GCHandle.Alloc(sink);
        IntPtr mosq = Native.New(clientId, cleanSession, GCHandle.ToIntPtr(sinkHandle));
        if (mosq == IntPtr.Zero)
        {
            int errno = Marshal.GetLastPInvokeError();
            sinkHandle.Free();
            throw new MosquittoException($"mosquitto_new failed for client id '{clientId}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        CallbackSink.Attach(mosq);
        return new MosquittoHandle(mosq, sink, sinkHandle);
    }

    /// <summary>Records that <c>mosquitto_loop_start</c> succeeded, so release must stop the thread.</summary>
    public void MarkLoopStarted() => _loopStarted = true;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        IntPtr mosq = handle;
        if (!_loopStarted)
        {
            DestroyNow(mosq);
            return true;
        }

        // mosquitto_loop_stop(force: false) joins the network thread, which only leaves its loop once
        // it sees the disconnected state; a reconnect in flight can overwrite that state, so keep
        // asking. If the thread still has not stopped in time, leave the destruction to the stopper.
        var stop = new StopState();
        Native.Disconnect(mosq);
        var stopper = new Thread(() =>
        {
            Native.LoopStop(mosq, force: false);
            lock (stop)
            {
                stop.Stopped = true;
                Monitor.PulseAll(stop);
                if (!stop.Abandoned)
                {
                    return;
                }
            }

            DestroyNow(mosq);
        })
        {
            IsBackground = true,
            Name = "mosquitto-stop",
        };
        stopper.Start();

        lock (stop)
        {
            long deadline = Environment.TickCount64 + (long)StopTimeout.TotalMilliseconds;
            while (!stop.Stopped && Environment.TickCount64 < deadline)
            {
                if (!Monitor.Wait(stop, DisconnectRetry))
                {
                    Native.Disconnect(mosq);
                }
            }

            if (!stop.Stopped)
            {
                stop.Abandoned = true;
                return true;
            }
        }

        DestroyNow(mosq);
        return true;
    }

    private void DestroyNow(IntPtr mosq)
    {
        Native.Destroy(mosq);
        if (_sinkHandle.IsAllocated)
        {
            _sinkHandle.Free();
        }

        _sink?.Complete();
    }

    private sealed class StopState
    {
        public bool Stopped;
        public bool Abandoned;
    }
}
