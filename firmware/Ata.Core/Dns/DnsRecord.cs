namespace Ata.Core.Dns
{
    /// <summary>One answer record the adapter uses: an A record or an SRV record.</summary>
    public sealed class DnsRecord
    {
        /// <summary>Record type A (IPv4 address).</summary>
        public const int TypeA = 1;

        /// <summary>Record type SRV (RFC 2782).</summary>
        public const int TypeSrv = 33;

        /// <summary>Creates a record.</summary>
        public DnsRecord(string name, int type, long ttlSeconds, string address, int priority, int weight, int port, string target)
        {
            Name = name;
            Type = type;
            TtlSeconds = ttlSeconds;
            Address = address;
            Priority = priority;
            Weight = weight;
            Port = port;
            Target = target;
        }

        /// <summary>The owner name, lower case, without the trailing dot.</summary>
        public string Name { get; private set; }
        /// <summary><see cref="TypeA"/> or <see cref="TypeSrv"/>.</summary>
        public int Type { get; private set; }
        /// <summary>Time to live in seconds.</summary>
        public long TtlSeconds { get; private set; }
        /// <summary>For A: the IPv4 address as text.</summary>
        public string Address { get; private set; }
        /// <summary>For SRV: lower is preferred.</summary>
        public int Priority { get; private set; }
        /// <summary>For SRV: share among records of one priority.</summary>
        public int Weight { get; private set; }
        /// <summary>For SRV: the port.</summary>
        public int Port { get; private set; }
        /// <summary>For SRV: the target host, lower case.</summary>
        public string Target { get; private set; }
    }
}
