using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Ata.Lab;

/// <summary>
/// The connection to baresip's ctrl_tcp module: JSON commands and responses matched by token,
/// and events, each framed as a netstring (<c>length:payload,</c>).
/// </summary>
internal sealed class BaresipControl : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(100);

    private readonly TcpClient connection;
    private readonly ManagedProcess baresip;
    private readonly Action<BaresipEvent> onEvent;
    private readonly Dictionary<string, TaskCompletionSource<JsonElement>> pending = [];
    private readonly SemaphoreSlim sending = new(1, 1);
    private readonly Task reading;
    private int nextToken;

    private BaresipControl(TcpClient connection, ManagedProcess baresip, Action<BaresipEvent> onEvent)
    {
        this.connection = connection;
        this.baresip = baresip;
        this.onEvent = onEvent;
        reading = ReadAsync();
    }

    /// <summary>Connects to <paramref name="port"/>, retrying until baresip listens, exits, or <paramref name="timeout"/> passes.</summary>
    /// <exception cref="InvalidOperationException">baresip exited or did not listen in time; the message carries its output.</exception>
    public static async Task<BaresipControl> ConnectAsync(int port, ManagedProcess baresip, TimeSpan timeout, Action<BaresipEvent> onEvent, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                if (baresip.HasExited)
                {
                    throw new InvalidOperationException(
                        $"{baresip.Name} exited with code {await baresip.Completion.ConfigureAwait(false)} while starting; last output:{Environment.NewLine}{baresip.Tail(20)}");
                }

                var client = new TcpClient();
                try
                {
                    await client.ConnectAsync(IPAddress.Loopback, port, deadline.Token).ConfigureAwait(false);
                    return new BaresipControl(client, baresip, onEvent);
                }
                catch (SocketException)
                {
                    client.Dispose();
                }

                await Task.Delay(RetryInterval, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException(
                $"{baresip.Name} did not open its control socket 127.0.0.1:{port} within {timeout.TotalSeconds:0} s; last output:{Environment.NewLine}{baresip.Tail(20)}");
        }
    }

    /// <summary>Runs a command and returns its response's text.</summary>
    /// <exception cref="InvalidOperationException">baresip refused the command, or closed the connection.</exception>
    /// <exception cref="TimeoutException">No response within 5 s.</exception>
    public async Task<string> CommandAsync(string command, string? parameters, CancellationToken cancellationToken)
    {
        var token = Interlocked.Increment(ref nextToken).ToString(CultureInfo.InvariantCulture);
        var response = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (pending)
        {
            pending[token] = response;
        }

        try
        {
            var payload = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string?> { ["command"] = command, ["params"] = parameters, ["token"] = token });
            byte[] frame = [.. Encoding.ASCII.GetBytes(payload.Length.ToString(CultureInfo.InvariantCulture) + ":"), .. payload, (byte)','];
            await sending.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await connection.GetStream().WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                sending.Release();
            }

            var answer = await response.Task.WaitAsync(CommandTimeout, cancellationToken).ConfigureAwait(false);
            var data = answer.TryGetProperty("data", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() ?? string.Empty : string.Empty;
            return answer.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True
                ? data
                : throw new InvalidOperationException($"{baresip.Name} refused '{command}': {data.Trim()}");
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{baresip.Name}: no response to '{command}' within {CommandTimeout.TotalSeconds:0} s; last output:{Environment.NewLine}{baresip.Tail(20)}");
        }
        finally
        {
            lock (pending)
            {
                pending.Remove(token);
            }
        }
    }

    /// <summary>Closes the connection and waits for its reader.</summary>
    public async ValueTask DisposeAsync()
    {
        connection.Dispose();
        await reading.ConfigureAwait(false);
        sending.Dispose();
    }

    private static bool TryTakeNetstring(List<byte> buffer, out string message)
    {
        message = string.Empty;
        var colon = buffer.IndexOf((byte)':');
        if (colon < 0)
        {
            return false;
        }

        var length = int.Parse(Encoding.ASCII.GetString([.. buffer.GetRange(0, colon)]), NumberStyles.None, CultureInfo.InvariantCulture);
        if (buffer.Count < colon + 1 + length + 1)
        {
            return false;
        }

        message = Encoding.UTF8.GetString([.. buffer.GetRange(colon + 1, length)]);
        buffer.RemoveRange(0, colon + 1 + length + 1);
        return true;
    }

    private async Task ReadAsync()
    {
        await Task.Yield();
        try
        {
            var stream = connection.GetStream();
            var buffer = new List<byte>();
            var chunk = new byte[4096];
            while (await stream.ReadAsync(chunk).ConfigureAwait(false) is var read && read > 0)
            {
                buffer.AddRange(chunk.AsSpan(0, read));
                while (TryTakeNetstring(buffer, out var message))
                {
                    Dispatch(message);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        catch (InvalidOperationException)
        {
            // Disposed before the stream was taken.
        }
        finally
        {
            FailPending();
        }
    }

    private void Dispatch(string message)
    {
        if (BaresipEvent.TryParse(message, DateTimeOffset.Now, out var raised) && raised is not null)
        {
            onEvent(raised);
            return;
        }

        using var document = JsonDocument.Parse(message);
        var root = document.RootElement;
        if (root.TryGetProperty("token", out var token) && token.GetString() is { } key)
        {
            TaskCompletionSource<JsonElement>? waiter;
            lock (pending)
            {
                pending.TryGetValue(key, out waiter);
            }

            waiter?.TrySetResult(root.Clone());
        }
    }

    private void FailPending()
    {
        List<TaskCompletionSource<JsonElement>> waiting;
        lock (pending)
        {
            waiting = [.. pending.Values];
        }

        foreach (var waiter in waiting)
        {
            waiter.TrySetException(new InvalidOperationException($"{baresip.Name} closed its control socket (stopped?); last output:{Environment.NewLine}{baresip.Tail(20)}"));
        }
    }
}
