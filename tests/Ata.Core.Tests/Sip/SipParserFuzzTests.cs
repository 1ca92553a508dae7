using System.Text;
using Ata.Core.Sip;
using Ata.Core.Sip.Auth;
using Ata.Core.Sip.Messages;

namespace Ata.Core.Tests.Sip;

/// <summary>
/// Feeds the SIP message parser (and what reads its results) mutated registrar answers and the
/// requests calls receive: it must return a message or a parse error and never throw (a hang
/// would stall the suite). The suite runs at least
/// 100,000 messages; <c>tools/fuzz</c> runs millions (ATA_FUZZ_ITERATIONS).
/// </summary>
public class SipParserFuzzTests
{
    private static readonly string[] Corpus =
    [
        "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKa1;rport=5060;received=1.2.3.4\r\nFrom: <sip:2001@lab>;tag=1\r\nTo: <sip:2001@lab>;tag=2\r\nCall-ID: abc@ata\r\nCSeq: 7 REGISTER\r\nWWW-Authenticate: Digest realm=\"lab \\\"x\\\"\", nonce=\"n,1\", qop=\"auth,auth-int\", algorithm=SHA-256, opaque=\"o\"\r\nWWW-Authenticate: Digest realm=\"lab\", nonce=\"n2\", algorithm=MD5, stale=true\r\nContent-Length: 0\r\n\r\n",
        "SIP/2.0 200 OK\r\nv: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKb, SIP/2.0/UDP 10.0.0.3;branch=z9hG4bKc\r\ni: call@x\r\nCSeq:   9 REGISTER\r\nm: <sip:2001@10.0.0.2:5060;ob>;expires=60;+sip.instance=\"<urn:uuid:1>\";reg-id=1,\r\n <sip:2001@10.9.9.9>;expires=\"30\"\r\nExpires: 3600\r\nl: 0\r\n\r\n",
        "SIP/2.0 423 Interval Too Brief\nCall-ID: q\nCSeq: 1 REGISTER\nMin-Expires: 7200\n\n",
        "SIP/2.0 503 Service Unavailable\r\nCall-ID: q\r\nCSeq: 2 REGISTER\r\nRetry-After: 120 (maintenance);duration=10\r\nContent-Length: 5\r\n\r\nhello",
        "SIP/2.0 407 Proxy Authentication Required\r\nCall-ID: p\r\nCSeq: 3 REGISTER\r\nProxy-Authenticate: Digest realm=\"p\", nonce=\"x\"\r\n\r\n",
        "INVITE sip:2001@192.0.2.10:5062 SIP/2.0\r\nv: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKi;rport\r\nf: \"Ä\" <sip:3001@lab>;tag=a\r\nt: <sip:2001@lab>\r\ni: c@p\r\nCSeq: 1 INVITE\r\nc: application/sdp\r\nl: 31\r\n\r\nv=0\r\ns=Grüße\0\r\nm=audio 4000 RTP/AVP 8\r\n",
        "OPTIONS sip:lab SIP/2.0\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKo\nFrom: <sip:x@y>;tag=1\nTo: <sip:lab>\nCall-ID: o\nCSeq: 5 OPTIONS\nMax-Forwards:\n 70\n\n",
        "NOTIFY sip:2001@192.0.2.10 SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKn\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:2001@y>;tag=2\r\nCall-ID: n\r\nCSeq: 3 NOTIFY\r\nEvent: message-summary\r\nContent-Length: 24\r\n\r\nMessages-Waiting: yes\r\n\r\n",
    ];

    private static readonly byte[] Interesting = Encoding.ASCII.GetBytes("\"\\<>;:,= \t\r\n@0123456789%");

    [Fact]
    public void Survives_at_least_100000_mutated_registrar_answers()
    {
        int iterations = int.TryParse(Environment.GetEnvironmentVariable("ATA_FUZZ_ITERATIONS"), out int n) ? n : 120_000;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("ATA_FUZZ_SEED"), out int s) ? s : 20261122;
        var random = new Random(seed);
        int parsed = 0;
        for (int i = 0; i < iterations; i++)
        {
            byte[] message = Mutate(Encoding.UTF8.GetBytes(Corpus[random.Next(Corpus.Length)]), random);
            try
            {
                var parsedMessage = SipMessage.Parse(message, 0, message.Length, out string error);
                Assert.True(parsedMessage is not null || !string.IsNullOrEmpty(error));
                if (parsedMessage is not null)
                {
                    parsed++;
                    Exercise(parsedMessage);
                }
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {i} (seed {seed}) threw {e.GetType().Name}: {e.Message}\ninput: {Convert.ToBase64String(message)}");
            }

        }

        Assert.True(parsed > iterations / 20, $"only {parsed} of {iterations} mutated messages still parsed: the mutations are too blunt to reach the deeper code");
    }

    private static void Exercise(SipMessage r)
    {
        if (r is SipRequest request)
        {
            Assert.False(string.IsNullOrEmpty(request.Method));
            _ = request.RequestUri;
        }

        Assert.NotNull(r.Body);
        _ = r.ContentType;
        _ = r.CallId;
        _ = r.CSeqNumber;
        _ = r.CSeqMethod;
        _ = r.TopViaBranch;
        _ = r.Expires;
        if (r is SipResponse response)
        {
            _ = response.StatusCode;
            _ = Registration.GrantedExpiresOf(response, "sip:2001@10.0.0.2:5060;ob", "urn:uuid:1");
        }
        foreach (string name in new[] { "www-authenticate", "proxy-authenticate" })
        {
            foreach (string header in r.Headers(name))
            {
                var challenge = DigestChallenge.Parse(header, name[0] == 'p');
                challenge?.Answer("u", "p", "REGISTER", "sip:lab", 1, "c");
            }
        }

        foreach (string contact in r.Headers("contact"))
        {
            HeaderValue.Parameter(contact, "expires");
            HeaderValue.Uri(contact);
        }
    }

    private static byte[] Mutate(byte[] input, Random random)
    {
        var bytes = new List<byte>(input);
        int mutations = 1 + random.Next(6);
        for (int m = 0; m < mutations && bytes.Count > 0; m++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes[at] = Interesting[random.Next(Interesting.Length)]; break;
                case 2: bytes.Insert(at, Interesting[random.Next(Interesting.Length)]); break;
                case 3: bytes.RemoveAt(at); break;
                case 4: bytes.RemoveRange(at, bytes.Count - at); break;
                case 5:
                    int length = Math.Min(random.Next(1, 64), bytes.Count - at);
                    var chunk = bytes.GetRange(at, length);
                    int copies = random.Next(1, 200);
                    for (int c = 0; c < copies && bytes.Count < 10_000; c++)
                    {
                        bytes.InsertRange(at, chunk);
                    }

                    break;
                default:
                    int a = random.Next(bytes.Count);
                    (bytes[at], bytes[a]) = (bytes[a], bytes[at]);
                    break;
            }
        }

        return bytes.ToArray();
    }
}
