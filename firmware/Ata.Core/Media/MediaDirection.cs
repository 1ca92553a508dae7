namespace Ata.Core.Media
{
    /// <summary>
    /// Which way a call's audio flows, from this side (RFC 3264 §5.1 / §6.1): a call on hold by the far
    /// end is <see cref="ReceiveOnly"/> or <see cref="Inactive"/> here. The values are flags: send is 1, receive is 2.
    /// </summary>
    public enum MediaDirection
    {
        /// <summary>No audio either way (a=inactive).</summary>
        Inactive = 0,

        /// <summary>This side sends, and plays nothing it receives (a=sendonly).</summary>
        SendOnly = 1,

        /// <summary>This side plays what it receives and sends nothing (a=recvonly).</summary>
        ReceiveOnly = 2,

        /// <summary>Both ways: a call in progress (a=sendrecv, the default).</summary>
        SendReceive = 3,
    }
}
