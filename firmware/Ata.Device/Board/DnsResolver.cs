using System.Net;
using System.Net.Sockets;
using Ata.Core.Hardware;

namespace Ata.Device.Board
{
    /// <summary>A-record lookups through the network stack's resolver.</summary>
    public sealed class DnsResolver : INameResolver
    {
        /// <inheritdoc/>
        public string Resolve(string host)
        {
            try
            {
                IPHostEntry entry = Dns.GetHostEntry(host);
                IPAddress[] addresses = entry.AddressList;
                for (int i = 0; i < addresses.Length; i++)
                {
                    if (addresses[i].AddressFamily == AddressFamily.InterNetwork)
                    {
                        return addresses[i].ToString();
                    }
                }
            }
            catch (SocketException)
            {
            }

            return null;
        }
    }
}
