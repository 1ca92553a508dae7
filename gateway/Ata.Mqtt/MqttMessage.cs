using System.Text;

namespace Ata.Mqtt;

/// <summary>A message the broker delivered to a subscription, copied out of libmosquitto's memory.</summary>
/// <param name="Topic">The topic it was published on.</param>
/// <param name="Payload">The message body.</param>
/// <param name="Qos">The quality of service it was delivered with, 0 to 2.</param>
/// <param name="Retain">Whether it is a retained message the broker replayed on subscription.</param>
public sealed record MqttMessage(string Topic, byte[] Payload, int Qos, bool Retain)
{
    /// <summary>The payload decoded as UTF-8.</summary>
    public string PayloadText => Encoding.UTF8.GetString(Payload);
}
