namespace Ata.Lab;

/// <summary>How the lab's <see cref="KamailioRegistrar"/> listens, answers and routes calls.</summary>
public sealed class KamailioRegistrarOptions
{
    /// <summary>The realm challenges carry when none is given.</summary>
    public const string DefaultRealm = "lab.ata";

    /// <summary>The numbers routed to the emergency centre when none are given: 112, 113, 110 and 911.</summary>
    public static readonly IReadOnlyList<string> DefaultEmergencyNumbers = ["112", "113", "110", "911"];

    /// <summary>The UDP port on 127.0.0.1; a free one when not set.</summary>
    public int? Port { get; init; }

    /// <summary>The digest realm (letters, digits, dots and dashes).</summary>
    public string Realm { get; init; } = DefaultRealm;

    /// <summary>Where the generated config, pid file and runtime files go; a fresh temp folder (deleted on dispose) when not set.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>Seconds granted to a contact that asks for none (registrar <c>default_expires</c>).</summary>
    public int DefaultExpires { get; init; } = 3600;

    /// <summary>Also listen for SIP over TCP on the same port (answering CRLF keep-alives, RFC 5626).</summary>
    public bool EnableTcp { get; init; }

    /// <summary>
    /// The digest algorithm the registrar challenges with and checks: <c>MD5</c> (default) or
    /// <c>SHA-256</c> (RFC 7616/8760; Kamailio's auth module <c>algorithm</c> parameter).
    /// </summary>
    public string Algorithm { get; init; } = "MD5";

    /// <summary>Shorter requests are raised to this (registrar <c>min_expires</c>, Kamailio's default 60).</summary>
    public int MinExpires { get; init; } = 60;

    /// <summary>Longer requests are lowered to this; 0 for no limit (registrar <c>max_expires</c>).</summary>
    public int MaxExpires { get; init; }

    /// <summary>How long start-up may take before it fails with Kamailio's log.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Runs Kamailio in its own session, so a terminal's Ctrl-C reaches only its owner (the lab,
    /// which stops it in order). Tests leave it off: Kamailio then dies with the test run's Ctrl-C.
    /// </summary>
    public bool OwnSession { get; init; }

    /// <summary>
    /// Called numbers (the request URI's user) that are emergency calls: accepted without
    /// authentication, from a registered or an unregistered caller, and relayed to
    /// <see cref="EmergencyCentre"/>. Digits, <c>*</c>, <c>#</c> and <c>+</c> only.
    /// </summary>
    public IReadOnlyList<string> EmergencyNumbers { get; init; } = DefaultEmergencyNumbers;

    /// <summary>
    /// Where emergency calls go, as <c>ip:port</c> (UDP): the test double of the emergency centre
    /// (a PSAP), e.g. a sipp UAS or a baresip phone. Without one, emergency calls get 503.
    /// </summary>
    public string? EmergencyCentre { get; init; }

    /// <summary>
    /// The voicemail system (<c>host:port</c>) a subscriber's authorised message-summary SUBSCRIBE is
    /// relayed to (RFC 3842), or null: such a SUBSCRIBE is then answered 489 Bad Event. Unsolicited
    /// NOTIFYs are relayed to the subscriber either way.
    /// </summary>
    public string? VoicemailServer { get; init; }

    /// <summary>
    /// How long the registrar waits for any answer from a called phone before it gives the
    /// caller 408 (tm <c>fr_timer</c>); a phone that rings may ring until the caller gives up.
    /// </summary>
    public TimeSpan NoResponseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Called with every line Kamailio logs (stdout and stderr), on a reader thread.</summary>
    public Action<string>? LogLine { get; init; }
}
