using System;
using System.Collections;

namespace Ata.Core.Dns
{
    /// <summary>
    /// Finds where to send SIP for a registrar (RFC 3263 §4, UDP): an IP address as given; a host
    /// with an explicit port by its A record; otherwise the <c>_sip._udp</c> SRV records (lowest
    /// priority first, weighted choice within it, RFC 2782), falling back to the host's A record on
    /// port 5060 when there are none.
    /// </summary>
    public sealed class SipLocator
    {
        /// <summary>The registrar's address is known: see the out values.</summary>
        public const int Found = 0;
        /// <summary>Still asking the DNS server; ask again on a later tick.</summary>
        public const int Pending = 1;
        /// <summary>The registrar cannot be found.</summary>
        public const int Failed = 2;

        private readonly DnsClient _dns;
        private readonly Random _random;
        private readonly Hashtable _chosen = new Hashtable();

        /// <summary>Creates the locator over <paramref name="dns"/>.</summary>
        public SipLocator(DnsClient dns, Random random)
        {
            _dns = dns;
            _random = random;
        }

        /// <summary>Locates <paramref name="host"/> (with <paramref name="port"/> when <paramref name="portGiven"/>).</summary>
        public int Locate(string host, int port, bool portGiven, long now, out string address, out int resolvedPort)
        {
            address = null;
            resolvedPort = port;
            if (Text.AsciiText.IsIPv4Literal(host))
            {
                address = host;
                return Found;
            }

            if (portGiven)
            {
                return Address(host, now, out address);
            }

            DnsLookup srv = _dns.Lookup("_sip._udp." + host, DnsRecord.TypeSrv, now);
            if (srv.State == DnsLookup.Pending)
            {
                return Pending;
            }

            if (srv.State == DnsLookup.TimedOut)
            {
                return Failed;
            }

            if (srv.State == DnsLookup.NotFound || srv.Records.Count == 0)
            {
                resolvedPort = Provisioning.LineConfig.DefaultSipPort;
                return Address(host, now, out address);
            }

            DnsRecord target = Choose(srv);
            resolvedPort = target.Port;
            return Address(target.Target, now, out address);
        }

        /// <summary>Forgets the SRV target chosen for <paramref name="host"/>, so the next attempt may pick another.</summary>
        public void TargetFailed(string host)
        {
            _chosen.Remove("_sip._udp." + Text.AsciiText.ToLower(host));
        }

        private int Address(string host, long now, out string address)
        {
            address = null;
            DnsLookup a = _dns.Lookup(host, DnsRecord.TypeA, now);
            if (a.State == DnsLookup.Pending)
            {
                return Pending;
            }

            if (a.State != DnsLookup.Answered)
            {
                return Failed;
            }

            address = ((DnsRecord)a.Records[0]).Address;
            return Found;
        }

        /// <summary>The SRV record to use: the one chosen before while it is still listed, else a new choice.</summary>
        private DnsRecord Choose(DnsLookup srv)
        {
            DnsRecord previous = _chosen[srv.Name] as DnsRecord;
            for (int i = 0; previous != null && i < srv.Records.Count; i++)
            {
                DnsRecord r = (DnsRecord)srv.Records[i];
                if (r.Target == previous.Target && r.Port == previous.Port)
                {
                    return r;
                }
            }

            DnsRecord choice = SelectByPriorityAndWeight(srv.Records, _random.NextDouble());
            _chosen[srv.Name] = choice;
            return choice;
        }

        /// <summary>
        /// RFC 2782 selection: among the records of the lowest priority, each is chosen with a
        /// probability proportional to its weight (zero-weight records only when all are zero).
        /// </summary>
        public static DnsRecord SelectByPriorityAndWeight(ArrayList records, double random)
        {
            int best = int.MaxValue;
            long totalWeight = 0;
            int count = 0;
            for (int i = 0; i < records.Count; i++)
            {
                DnsRecord r = (DnsRecord)records[i];
                if (r.Priority < best)
                {
                    best = r.Priority;
                    totalWeight = 0;
                    count = 0;
                }

                if (r.Priority == best)
                {
                    totalWeight += r.Weight;
                    count++;
                }
            }

            double point = random * (totalWeight > 0 ? totalWeight : count);
            double running = 0;
            DnsRecord last = null;
            for (int i = 0; i < records.Count; i++)
            {
                DnsRecord r = (DnsRecord)records[i];
                if (r.Priority != best)
                {
                    continue;
                }

                last = r;
                running += totalWeight > 0 ? r.Weight : 1;
                if (point < running)
                {
                    return r;
                }
            }

            return last;
        }
    }
}
