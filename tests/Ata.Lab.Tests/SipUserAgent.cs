using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Ata.Lab.Tests;

/// <summary>A SIP response as the tests read it.</summary>
internal sealed record SipResponse(int StatusCode, string Reason, IReadOnlyList<KeyValuePair<string, string>> Headers, string Text)
{
    public string? Header(string name) =>
        Headers.Where(header => string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase)).Select(header => header.Value).FirstOrDefault();

    public static SipResponse Parse(string text)
    {
        var lines = text.Split("\r\n");
        var status = lines[0].Split(' ', 3);
        var headers = lines.Skip(1).TakeWhile(line => line.Length > 0)
            .Select(line => line.Split(':', 2))
            .Select(parts => KeyValuePair.Create(parts[0].Trim(), parts[1].Trim()))
            .ToList();
        return new SipResponse(int.Parse(status[1], CultureInfo.InvariantCulture), status[2], headers, text);
    }
}

/// <summary>A digest challenge's parameters (realm, nonce, qop, …), unquoted.</summary>
internal sealed partial class DigestChallenge
{
    private DigestChallenge(IReadOnlyDictionary<string, string> parameters) => Parameters = parameters;

    public IReadOnlyDictionary<string, string> Parameters { get; }

    public string Realm => Parameters["realm"];

    public string Nonce => Parameters["nonce"];

    public static DigestChallenge Parse(string header)
    {
        Assert.StartsWith("Digest ", header, StringComparison.Ordinal);
        var parameters = ParameterPattern().Matches(header[7..])
            .ToDictionary(match => match.Groups["name"].Value.ToLowerInvariant(), match => match.Groups["quoted"].Success ? match.Groups["quoted"].Value : match.Groups["token"].Value);
        return new DigestChallenge(parameters);
    }

    [GeneratedRegex("""(?<name>[A-Za-z-]+)=(?:"(?<quoted>[^"]*)"|(?<token>[^,\s]+))""")]
    private static partial Regex ParameterPattern();
}

/// <summary>
/// A hand-written SIP user agent for the registrar tests: REGISTER over UDP built as text, and
/// the RFC 2617 digest (qop=auth, cnonce, nc) computed with MD5.
/// </summary>
internal sealed class SipUserAgent : IDisposable
{
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(5);
    private readonly UdpClient socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly IPEndPoint registrar;
    private readonly string callId = Guid.NewGuid().ToString("N");
    private readonly string tag = Guid.NewGuid().ToString("N")[..10];
    private int sequence;

    public SipUserAgent(IPEndPoint registrar, string user)
    {
        this.registrar = registrar;
        User = user;
    }

    public string User { get; }

    public int LocalPort => ((IPEndPoint)socket.Client.LocalEndPoint!).Port;

    public string ContactUri => $"sip:{User}@127.0.0.1:{LocalPort}";

    public string RequestUri => $"sip:{registrar}";

    public static string DigestResponse(string user, string realm, string password, string method, string uri, string nonce, string nc, string cnonce)
    {
        var ha1 = Md5($"{user}:{realm}:{password}");
        var ha2 = Md5($"{method}:{uri}");
        return Md5($"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}");
    }

    public string Authorization(DigestChallenge challenge, string password, string nc = "00000001", string? authUser = null)
    {
        var user = authUser ?? User;
        var cnonce = RandomNumberGenerator.GetHexString(16, lowercase: true);
        var response = DigestResponse(user, challenge.Realm, password, "REGISTER", RequestUri, challenge.Nonce, nc, cnonce);
        return $"Digest username=\"{user}\", realm=\"{challenge.Realm}\", nonce=\"{challenge.Nonce}\", uri=\"{RequestUri}\", " +
            $"response=\"{response}\", algorithm=MD5, cnonce=\"{cnonce}\", qop=auth, nc={nc}";
    }

    /// <summary>Sends one REGISTER; <paramref name="expires"/> null sends no Contact (a query for the bindings).</summary>
    public async Task<SipResponse> RegisterAsync(int? expires, string? authorization = null)
    {
        var cseq = ++sequence;
        var branch = "z9hG4bK" + Guid.NewGuid().ToString("N");
        var request = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"REGISTER {RequestUri} SIP/2.0\r\n")
            .Append(CultureInfo.InvariantCulture, $"Via: SIP/2.0/UDP 127.0.0.1:{LocalPort};branch={branch};rport\r\n")
            .Append("Max-Forwards: 70\r\n")
            .Append(CultureInfo.InvariantCulture, $"From: <sip:{User}@{registrar}>;tag={tag}\r\n")
            .Append(CultureInfo.InvariantCulture, $"To: <sip:{User}@{registrar}>\r\n")
            .Append(CultureInfo.InvariantCulture, $"Call-ID: {callId}\r\n")
            .Append(CultureInfo.InvariantCulture, $"CSeq: {cseq} REGISTER\r\n");
        if (expires is { } seconds)
        {
            request.Append(CultureInfo.InvariantCulture, $"Contact: <{ContactUri}>\r\n")
                .Append(CultureInfo.InvariantCulture, $"Expires: {seconds}\r\n");
        }

        if (authorization is not null)
        {
            request.Append(CultureInfo.InvariantCulture, $"Authorization: {authorization}\r\n");
        }

        request.Append("User-Agent: Ata.Lab.Tests\r\nContent-Length: 0\r\n\r\n");
        await socket.SendAsync(Encoding.ASCII.GetBytes(request.ToString()), registrar);
        using var deadline = new CancellationTokenSource(ResponseTimeout);
        while (true)
        {
            var datagram = await socket.ReceiveAsync(deadline.Token);
            var response = SipResponse.Parse(Encoding.UTF8.GetString(datagram.Buffer));
            if (response.Header("CSeq") == $"{cseq} REGISTER")
            {
                return response;
            }
        }
    }

    /// <summary>REGISTER, answer the 401 with <paramref name="password"/>, and return both responses.</summary>
    public async Task<(SipResponse Challenge, SipResponse Final)> RegisterWithPasswordAsync(string password, int? expires = 3600)
    {
        var challenge = await RegisterAsync(expires);
        Assert.Equal(401, challenge.StatusCode);
        var digest = DigestChallenge.Parse(challenge.Header("WWW-Authenticate")!);
        var final = await RegisterAsync(expires, Authorization(digest, password));
        return (challenge, final);
    }

    public void Dispose() => socket.Dispose();

    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
}
