using System.Text;
using Ata.Core.Hardware;
using Ata.Core.Provisioning;
using Ata.Core.Sip;
using Ata.Core.Sip.Messages;

namespace Ata.Bench;

/// <summary>
/// A fleet of adapters whose registrar is down and comes back, simulated in virtual time with the
/// core's own registration state machines: how hard the returning registrar is hit, and how long
/// until every line is registered, with the given retry policy.
/// </summary>
internal static class FleetRecovery
{
    /// <summary>What one run measured.</summary>
    public sealed record Outcome(string Policy, int PeakPerSecond, double AllRegisteredSeconds, long RequestsSeen);

    /// <summary>A random source whose jitter is always zero: the naive fixed-retry adapters.</summary>
    private sealed class NoJitter(int seed) : Random(seed)
    {
        public override double NextDouble() => 0;
    }

    /// <summary>The registrar and the network between: a REGISTER reaches it only while it is up.</summary>
    private sealed class Network : IDatagramSocket
    {
        private readonly Queue<(Registration Owner, string Request)> _delivered = new();

        public bool RegistrarUp { get; set; }
        public long Now { get; set; }
        public Dictionary<long, int> RequestsPerSecond { get; } = [];
        public Registration? Sender { get; set; }
        public string LocalAddress => "10.0.0.2";
        public int LocalPort => 5060;

        public void Send(byte[] data, int length, string address, int port)
        {
            if (!RegistrarUp || length < 8 || data[0] != (byte)'R')
            {
                return;
            }

            long second = Now / 1000;
            RequestsPerSecond[second] = RequestsPerSecond.GetValueOrDefault(second) + 1;
            _delivered.Enqueue((Sender!, Encoding.ASCII.GetString(data, 0, length)));
        }

        /// <summary>The registrar answers every REGISTER that reached it with 200.</summary>
        public void Answer()
        {
            while (_delivered.TryDequeue(out var item))
            {
                string request = item.Request;
                string Header(string name) => request.Split("\r\n").First(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim();
                string response = $"SIP/2.0 200 OK\r\nVia: {Header("Via")}\r\nCall-ID: {Header("Call-ID")}\r\nCSeq: {Header("CSeq")}\r\nExpires: 3600\r\nContent-Length: 0\r\n\r\n";
                var parsed = SipResponse.Parse(response, out _);
                item.Owner.OnResponse(parsed, Now);
            }
        }
    }

    private sealed class Resolver : INameResolver
    {
        public string Resolve(string host) => "10.0.0.1";
    }

    /// <summary>
    /// Every adapter boots at once (say, power returns to a neighbourhood) while the registrar is down;
    /// the registrar returns after <paramref name="outageSeconds"/>.
    /// </summary>
    public static Outcome Run(string policy, int adapters, int outageSeconds, bool jitteredBackoff)
    {
        var network = new Network();
        var registrations = new Registration[adapters];
        for (int i = 0; i < adapters; i++)
        {
            var line = new LineConfig(1, "u" + i, null, "p", "registrar.example", 5060, 3600) { KeepAliveSeconds = 0 };
            if (!jitteredBackoff)
            {
                // The naive adapter: retry every 30 s, no growth, no jitter.
                line.RetryBaseSeconds = 60;
                line.RetryMaxSeconds = 60;
            }

            Random random = jitteredBackoff ? new Random(i) : new NoJitter(i);
            registrations[i] = new Registration(line, network, new Resolver(), random, "bench", null);
        }

        const long step = 50;
        long outageEnds = outageSeconds * 1000L;
        long allRegisteredAt = -1;
        for (int i = 0; i < adapters; i++)
        {
            network.Sender = registrations[i];
            registrations[i].Start(0);
        }

        for (long now = 0; now < outageEnds + 1_800_000 && allRegisteredAt < 0; now += step)
        {
            network.Now = now;
            network.RegistrarUp = now >= outageEnds;
            for (int i = 0; i < adapters; i++)
            {
                network.Sender = registrations[i];
                registrations[i].Tick(now);
            }

            network.Answer();
            if (now >= outageEnds && registrations.All(r => r.State == RegistrationState.Registered))
            {
                allRegisteredAt = now;
            }
        }

        int peak = network.RequestsPerSecond.Count == 0 ? 0 : network.RequestsPerSecond.Values.Max();
        return new Outcome(policy, peak, allRegisteredAt < 0 ? double.NaN : (allRegisteredAt - outageEnds) / 1000.0,
            network.RequestsPerSecond.Values.Sum());
    }
}
