using System;
using System.Collections;
using Ata.Core.Hardware;

namespace Ata.Core.Dns
{
    /// <summary>
    /// A small stub resolver with A and SRV lookups (the device's own resolver has no SRV). Queries
    /// go to one DNS server over the SIP socket; answers come back through <see cref="OnDatagram"/>.
    /// Results are cached for their TTL (bounded), failures for a short while. Pure: time passed in.
    /// </summary>
    public sealed class DnsClient
    {
        /// <summary>How long to wait for an answer before asking again.</summary>
        public const long RetryMs = 1000;

        /// <summary>How many times a question is asked before the lookup fails.</summary>
        public const int Attempts = 3;

        /// <summary>Longest time an answer is kept, whatever its TTL.</summary>
        public const long MaxCacheMs = 3600000;

        /// <summary>How long a failed lookup is remembered.</summary>
        public const long NegativeCacheMs = 30000;

        private readonly IDatagramSocket _socket;
        private readonly string _server;
        private readonly int _port;
        private readonly Random _random;
        private readonly Hashtable _lookups = new Hashtable();

        /// <summary>Creates the client for the DNS server at <paramref name="server"/>:<paramref name="port"/>.</summary>
        public DnsClient(IDatagramSocket socket, string server, int port, Random random)
        {
            _socket = socket;
            _server = server;
            _port = port;
            _random = random;
        }

        /// <summary>
        /// The lookup of <paramref name="name"/> for <paramref name="type"/>: answered from the cache, or
        /// asked now. Check <see cref="DnsLookup.State"/>; a pending one completes on a later call.
        /// </summary>
        public DnsLookup Lookup(string name, int type, long now)
        {
            string key = type.ToString() + " " + Text.AsciiText.ToLower(name);
            DnsLookup lookup = _lookups[key] as DnsLookup;
            if (lookup != null && (lookup.State == DnsLookup.Pending || now < lookup.ExpiresAt))
            {
                return lookup;
            }

            lookup = new DnsLookup(Text.AsciiText.ToLower(name), type);
            _lookups[key] = lookup;
            Ask(lookup, now);
            return lookup;
        }

        /// <summary>Takes a datagram if it answers a pending lookup; returns false for anything else.</summary>
        public bool OnDatagram(byte[] data, int length, long now)
        {
            int id = DnsMessage.IdOf(data, length);
            if (id < 0)
            {
                return false;
            }

            foreach (DictionaryEntry entry in _lookups)
            {
                DnsLookup lookup = (DnsLookup)entry.Value;
                if (lookup.State != DnsLookup.Pending || lookup.QueryId != id)
                {
                    continue;
                }

                int rcode;
                ArrayList records = DnsMessage.ReadResponse(data, length, out rcode);
                if (records == null)
                {
                    return true;
                }

                Complete(lookup, records, rcode, now);
                return true;
            }

            return false;
        }

        /// <summary>Asks again where no answer came, and fails lookups that ran out of attempts.</summary>
        public void Tick(long now)
        {
            foreach (DictionaryEntry entry in _lookups)
            {
                DnsLookup lookup = (DnsLookup)entry.Value;
                if (lookup.State != DnsLookup.Pending || now < lookup.RetryAt)
                {
                    continue;
                }

                if (lookup.AttemptsMade >= Attempts)
                {
                    lookup.Fail(DnsLookup.TimedOut, now + NegativeCacheMs);
                }
                else
                {
                    Ask(lookup, now);
                }
            }
        }

        private void Ask(DnsLookup lookup, long now)
        {
            byte[] query = DnsMessage.Query(_random.Next(65536), lookup.Name, lookup.Type);
            if (query == null)
            {
                lookup.Fail(DnsLookup.NotFound, now + NegativeCacheMs);
                return;
            }

            lookup.Asked((query[0] << 8) | query[1], now + RetryMs);
            _socket.Send(query, query.Length, _server, _port);
        }

        private void Complete(DnsLookup lookup, ArrayList records, int rcode, long now)
        {
            ArrayList matching = new ArrayList();
            long ttl = MaxCacheMs / 1000;
            for (int i = 0; i < records.Count; i++)
            {
                DnsRecord record = (DnsRecord)records[i];
                if (record.Name == lookup.Name && record.Type == lookup.Type)
                {
                    matching.Add(record);
                    ttl = record.TtlSeconds < ttl ? record.TtlSeconds : ttl;
                }
                else if (record.Type == DnsRecord.TypeA)
                {
                    // Additional-section addresses of SRV targets save a round trip later.
                    CacheAddress(record, now);
                }
            }

            if (rcode != DnsMessage.NoError || matching.Count == 0)
            {
                lookup.Fail(DnsLookup.NotFound, now + NegativeCacheMs);
                return;
            }

            lookup.Succeed(matching, now + (ttl * 1000 < 1000 ? 1000 : ttl * 1000));
        }

        private void CacheAddress(DnsRecord record, long now)
        {
            string key = DnsRecord.TypeA.ToString() + " " + record.Name;
            DnsLookup existing = _lookups[key] as DnsLookup;
            if (existing != null && existing.State == DnsLookup.Pending)
            {
                return;
            }

            DnsLookup lookup = new DnsLookup(record.Name, DnsRecord.TypeA);
            ArrayList list = new ArrayList();
            list.Add(record);
            long ttl = record.TtlSeconds * 1000;
            lookup.Succeed(list, now + (ttl > MaxCacheMs ? MaxCacheMs : (ttl < 1000 ? 1000 : ttl)));
            _lookups[key] = lookup;
        }
    }

    /// <summary>One name-and-type lookup and its outcome.</summary>
    public sealed class DnsLookup
    {
        /// <summary>Waiting for the server.</summary>
        public const int Pending = 0;
        /// <summary>Answered with records.</summary>
        public const int Answered = 1;
        /// <summary>The name or record does not exist.</summary>
        public const int NotFound = 2;
        /// <summary>The server did not answer.</summary>
        public const int TimedOut = 3;

        internal DnsLookup(string name, int type)
        {
            Name = name;
            Type = type;
            Records = new ArrayList();
        }

        /// <summary>The name asked for, lower case.</summary>
        public string Name { get; private set; }
        /// <summary>The record type asked for.</summary>
        public int Type { get; private set; }
        /// <summary><see cref="Pending"/>, <see cref="Answered"/>, <see cref="NotFound"/> or <see cref="TimedOut"/>.</summary>
        public int State { get; private set; }
        /// <summary>The matching records once answered (<see cref="DnsRecord"/>).</summary>
        public ArrayList Records { get; private set; }
        /// <summary>When the cached outcome runs out.</summary>
        public long ExpiresAt { get; private set; }

        internal int QueryId { get; private set; }
        internal long RetryAt { get; private set; }
        internal int AttemptsMade { get; private set; }

        internal void Asked(int id, long retryAt)
        {
            QueryId = id;
            RetryAt = retryAt;
            AttemptsMade++;
        }

        internal void Succeed(ArrayList records, long expiresAt)
        {
            Records = records;
            ExpiresAt = expiresAt;
            State = Answered;
        }

        internal void Fail(int state, long expiresAt)
        {
            Records = new ArrayList();
            ExpiresAt = expiresAt;
            State = state;
        }
    }
}
