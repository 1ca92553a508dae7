using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Ata.Lab;

/// <summary>The lab registrar as its subscribers' proxy: how it routes calls, and one <c>LAB CALL …</c> line per decision.</summary>
internal static partial class RegistrarConfig
{
    /// <summary>The fields of a call decision on the initial INVITE.</summary>
    private const string Invite = "method=INVITE from=$fU to=$var(to) callid=$ci";

    /// <summary>Checks emergency numbers the config can hold as they are (digits, <c>*</c>, <c>#</c>, <c>+</c>).</summary>
    public static void ValidateEmergencyNumbers(IReadOnlyList<string> numbers)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        foreach (var number in numbers)
        {
            if (number is null || !EmergencyNumberPattern().IsMatch(number))
            {
                throw new ArgumentException($"emergency number '{number}' must be digits, *, # or + only", nameof(numbers));
            }
        }
    }

    /// <summary>Checks the emergency centre's address: an IP address and a port.</summary>
    /// <returns>The address, or null when none is set.</returns>
    public static IPEndPoint? ParseEmergencyCentre(string? centre)
    {
        if (centre is null)
        {
            return null;
        }

        return IPEndPoint.TryParse(centre, out var address) && address.Port != 0
            ? address
            : throw new ArgumentException($"emergency centre '{centre}' must be ip:port, e.g. 127.0.0.1:5070", nameof(centre));
    }

    /// <summary>
    /// The routes that make the registrar a proxy between its subscribers, as an ISP's is:
    /// INVITEs are challenged with 407 (same realm, secret and subscribers as REGISTER) and then
    /// relayed statefully (tm) to the callee's registered contact, with a Record-Route so the
    /// dialog's later requests (ACK, BYE, re-INVITE) come back through it and are loose-routed.
    /// </summary>
    /// <remarks>
    /// Decisions, each logged as <c>LAB CALL &lt;kind&gt; method= from= to= callid= [code=] [reason=] [target=]</c>:
    /// emergency numbers → relayed to the emergency centre with no challenge (<c>emergency</c>), or
    /// 503 without one; no credentials → 407 (<c>challenged</c>); wrong password, unknown caller or
    /// an auth user other than the From user (or, for an anonymous From, the P-Preferred-Identity user) → 403; a callee who is not a subscriber → 404, one
    /// who is not registered → 480 (<c>rejected</c>); otherwise <c>routed</c> to the contact. The
    /// callee's final answer is logged as <c>replied</c>, a CANCEL relayed as <c>cancelled</c>, other
    /// in-dialog requests (not ACK) as <c>relayed</c>.
    /// </remarks>
    private static string CallRoutes(string realm, KamailioRegistrarOptions options)
    {
        var centre = ParseEmergencyCentre(options.EmergencyCentre);
        var emergency = options.EmergencyNumbers.Count == 0
            ? string.Empty
            : $$"""
                if ({{string.Join(" || ", options.EmergencyNumbers.Select(number => $"$rU == \"{number}\""))}}) {
                    route(EMERGENCY);
                }
            """;
        var relayEmergency = centre is null
            ? $$"""
                xlog("L_NOTICE", "LAB CALL rejected {{Invite}} code=503 reason=no-emergency-centre\n");
                sl_send_reply("503", "No Emergency Centre");
                exit;
            """
            : string.Create(CultureInfo.InvariantCulture, $$"""
                record_route();
                $du = "sip:{{centre}}";
                xlog("L_NOTICE", "LAB CALL emergency {{Invite}} target=$du\n");
                route(RELAY);
            """);
        var voicemail = options.VoicemailServer is null
            ? """
                xlog("L_NOTICE", "LAB MWI rejected method=SUBSCRIBE from=$fU callid=$ci code=489 reason=no-voicemail\n");
                sl_send_reply("489", "Bad Event");
                exit;
            """
            : $$"""
                record_route();
                $du = "sip:{{options.VoicemailServer}}";
                xlog("L_NOTICE", "LAB MWI relayed method=SUBSCRIBE from=$fU callid=$ci target=$du\n");
                route(RELAY);
            """;
        return $$"""
            route[CALL] {
                # A retransmitted INVITE already relayed: tm answers it again.
                if (t_check_trans()) {
                    exit;
                }
                # The dialled number: lookup() rewrites the request URI.
                $var(to) = $rU;
                # A Route to this proxy, preloaded by a phone that has it as its outbound proxy, is used up here.
                remove_hf("Route");
            {{emergency}}
                # RFC 3325: a caller that withholds its identity (From anonymous, Privacy: id) names itself to
                # this proxy in P-Preferred-Identity; it is authorised as that subscriber, and the identity goes
                # on as P-Asserted-Identity.
                $var(caller) = $fU;
                if ($fU == "anonymous" && $pU != $null) {
                    $var(caller) = $pU;
                    $var(asserted) = $pu;
                    remove_hf("P-Preferred-Identity");
                    append_hf("P-Asserted-Identity: <$var(asserted)>\r\n");
                }
                route(AUTHORIZE_CALL);
                if ($sht(subscribers=>$rU) == $null) {
                    xlog("L_NOTICE", "LAB CALL rejected {{Invite}} code=404 reason=unknown-callee\n");
                    sl_send_reply("404", "Not Found");
                    exit;
                }
                if (!lookup("location")) {
                    xlog("L_NOTICE", "LAB CALL rejected {{Invite}} code=480 reason=not-registered\n");
                    sl_send_reply("480", "Temporarily Unavailable");
                    exit;
                }
                record_route();
                xlog("L_NOTICE", "LAB CALL routed {{Invite}} target=$ru\n");
                route(RELAY);
            }

            route[MESSAGE_SUMMARY] {
                if (t_check_trans()) {
                    exit;
                }
                if (is_method("NOTIFY")) {
                    # A voicemail system's unsolicited NOTIFY: relayed to the subscriber's registered contact.
                    if (!lookup("location")) {
                        xlog("L_NOTICE", "LAB MWI rejected method=NOTIFY to=$tU callid=$ci code=404 reason=not-registered\n");
                        sl_send_reply("404", "Not Found");
                        exit;
                    }
                    xlog("L_NOTICE", "LAB MWI relayed method=NOTIFY to=$tU callid=$ci target=$ru\n");
                    route(RELAY);
                }
                route(AUTHORIZE_SUBSCRIBE);
            {{voicemail}}
            }

            {{Authentication("AUTHORIZE_SUBSCRIBE", "LAB MWI", "method=SUBSCRIBE from=$fU callid=$ci", "$fU", "proxy", 407, realm)}}

            route[EMERGENCY] {
            {{relayEmergency}}
            }

            {{Authentication("AUTHORIZE_CALL", "LAB CALL", Invite, "$var(caller)", "proxy", 407, realm)}}

            route[RELAY] {
                t_on_reply("CALL_ANSWERED");
                t_on_failure("CALL_FAILED");
                if (!t_relay()) {
                    sl_reply_error();
                }
                exit;
            }

            route[CANCEL] {
                if (t_check_trans()) {
                    xlog("L_NOTICE", "LAB CALL cancelled method=CANCEL from=$fU to=$rU callid=$ci\n");
                    t_relay();
                    exit;
                }
                xlog("L_NOTICE", "LAB CALL rejected method=CANCEL from=$fU to=$rU callid=$ci code=481 reason=no-transaction\n");
                sl_send_reply("481", "Call/Transaction Does Not Exist");
                exit;
            }

            route[IN_DIALOG] {
                if (loose_route()) {
                    if (!is_method("ACK")) {
                        xlog("L_NOTICE", "LAB CALL relayed method=$rm from=$fU to=$tU callid=$ci\n");
                    }
                    if (!t_relay()) {
                        sl_reply_error();
                    }
                    exit;
                }
                if (is_method("ACK")) {
                    # The ACK of a refusal the callee sent: tm absorbs it (it ACKed the callee itself).
                    if (t_check_trans()) {
                        t_relay();
                    }
                    exit;
                }
                xlog("L_NOTICE", "LAB CALL rejected method=$rm from=$fU to=$tU callid=$ci code=404 reason=no-route\n");
                sl_send_reply("404", "Not Here");
                exit;
            }

            onreply_route[CALL_ANSWERED] {
                if ($rs >= 200 && $rs < 300) {
                    xlog("L_NOTICE", "LAB CALL replied method=INVITE from=$fU to=$tU callid=$ci code=$rs\n");
                }
            }

            failure_route[CALL_FAILED] {
                xlog("L_NOTICE", "LAB CALL replied method=INVITE from=$fU to=$tU callid=$ci code=$T_reply_code\n");
            }
            """;
    }

    [GeneratedRegex(@"^[0-9*#+]+$")]
    private static partial Regex EmergencyNumberPattern();
}
