using Ata.Core.Sip.Messages;

namespace Ata.Core.Sip
{
    /// <summary>The calls' side of the user agent: requests and responses that are not a registration's.</summary>
    public interface ICallHandler
    {
        /// <summary>A request arrived (on TCP <paramref name="connection"/>, or 0); false when no call takes it.</summary>
        bool OnRequest(SipRequest request, int connection, long now);

        /// <summary>A response that no registration owns arrived.</summary>
        void OnResponse(SipResponse response, long now);

        /// <summary>The network reported <paramref name="address"/>:<paramref name="port"/> unreachable.</summary>
        void OnUnreachable(string address, int port, long now);
    }
}
