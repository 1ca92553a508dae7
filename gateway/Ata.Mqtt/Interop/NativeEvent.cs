namespace Ata.Mqtt.Interop;

/// <summary>Something libmosquitto's network thread reported, already copied to managed memory.</summary>
internal abstract record NativeEvent;

/// <summary>A CONNACK arrived with this return code.</summary>
internal sealed record ConnackEvent(int Result) : NativeEvent;

/// <summary>The connection closed; 0 after a requested disconnect, otherwise a <c>MOSQ_ERR_*</c> code.</summary>
internal sealed record ConnectionClosedEvent(int Reason) : NativeEvent;

/// <summary>A message arrived on a subscription.</summary>
internal sealed record MessageEvent(MqttMessage Message) : NativeEvent;

/// <summary>A SUBACK arrived for the SUBSCRIBE with this message id.</summary>
internal sealed record SubackEvent(int Mid, int[] GrantedQos) : NativeEvent;

/// <summary>An UNSUBACK arrived for the UNSUBSCRIBE with this message id.</summary>
internal sealed record UnsubackEvent(int Mid) : NativeEvent;

/// <summary>A publish completed: PUBACK (QoS 1), PUBCOMP (QoS 2), or written to the socket (QoS 0).</summary>
internal sealed record PublishedEvent(int Mid) : NativeEvent;
