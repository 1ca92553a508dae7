using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Ata.Gateway.Tests.Support;

/// <summary>
/// A bare MQTT 3.1.1 client that logs in and then streams one PUBLISH of a given size, for floods
/// no well-behaved client library would send: the payload is never held in memory, and sending
/// stops as soon as the broker closes the connection.
/// </summary>
internal static class RawMqttPublisher
{
    private const int Chunk = 1024 * 1024;

    /// <summary>
    /// Logs in as <paramref name="username"/> and publishes <paramref name="payloadBytes"/> zero bytes
    /// (QoS 0) on <paramref name="topic"/>.
    /// </summary>
    /// <returns>How many payload bytes the socket took before the broker closed it (all of them if it never did).</returns>
    public static async Task<long> PublishAsync(int port, string username, string password, string topic, long payloadBytes, bool retain = false)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        await stream.WriteAsync(Connect(username, username, password));
        var connack = new byte[4];
        await stream.ReadExactlyAsync(connack);
        if (connack[0] != 0x20 || connack[3] != 0)
        {
            throw new InvalidOperationException($"The broker refused {username}: CONNACK {connack[3]}");
        }

        var topicBytes = Encoding.UTF8.GetBytes(topic);
        var header = new List<byte> { (byte)(retain ? 0x31 : 0x30) };
        header.AddRange(RemainingLength(2 + topicBytes.Length + payloadBytes));
        header.Add((byte)(topicBytes.Length >> 8));
        header.Add((byte)topicBytes.Length);
        header.AddRange(topicBytes);
        var zeros = new byte[Chunk];
        long sent = 0;
        try
        {
            await stream.WriteAsync(header.ToArray());
            while (sent < payloadBytes)
            {
                var size = (int)Math.Min(Chunk, payloadBytes - sent);
                await stream.WriteAsync(zeros.AsMemory(0, size));
                sent += size;
            }

            // The whole message went out: wait (briefly) to see whether the broker keeps the connection.
            client.Client.Shutdown(SocketShutdown.Send);
            await stream.ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is IOException or SocketException or TimeoutException)
        {
        }

        return sent;
    }

    private static byte[] Connect(string clientId, string username, string password)
    {
        var body = new List<byte> { 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0xC2, 0, 60 };
        foreach (var text in new[] { clientId, username, password })
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var length = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)bytes.Length);
            body.AddRange(length);
            body.AddRange(bytes);
        }

        return [0x10, .. RemainingLength(body.Count), .. body];
    }

    private static List<byte> RemainingLength(long length)
    {
        var bytes = new List<byte>();
        do
        {
            var digit = (byte)(length % 128);
            length /= 128;
            bytes.Add(length > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (length > 0);
        return bytes;
    }
}
