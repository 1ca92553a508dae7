using Ata.Core.Calls;
using Ata.Core.Sip;
using Ata.Core.Sip.Dialogs;
using Ata.Core.Sip.Messages;
using Ata.Core.Sip.Subscriptions;
using Ata.Core.Telephony;

namespace Ata.Core.Voicemail
{
    /// <summary>
    /// Every line's voicemail light: its message-summary subscription at the registrar (RFC 3842; made
    /// anew when the line's account changes, kept while the line is registered), and the message-summary
    /// NOTIFYs for the line, in that subscription or unsolicited as many registrars send them, turned into
    /// the line's message waiting (stutter dial tone, TEL LED pattern, visual indicator).
    /// </summary>
    public sealed class VoicemailLights
    {
        private readonly UserAgent _sip;
        private readonly FxsPort[] _ports;
        private readonly LineCalls[] _calls;
        private readonly MessageSummarySubscription[] _subscriptions;
        private readonly CallSetup[] _setups;

        /// <summary>Creates the lights of <paramref name="ports"/>, whose accounts <paramref name="calls"/> know.</summary>
        public VoicemailLights(UserAgent sip, FxsPort[] ports, LineCalls[] calls)
        {
            _sip = sip;
            _ports = ports;
            _calls = calls;
            _subscriptions = new MessageSummarySubscription[ports.Length];
            _setups = new CallSetup[ports.Length];
            for (int i = 0; i < ports.Length; i++)
            {
                _subscriptions[i] = null;
                _setups[i] = null;
            }
        }

        /// <summary>Line <paramref name="line"/>'s subscription (1-based), or null when it has no account.</summary>
        public MessageSummarySubscription Subscription(int line)
        {
            return _subscriptions[line - 1];
        }

        /// <summary>The line's account is now <paramref name="setup"/> (null: none): a changed account subscribes anew.</summary>
        public void Configure(int line, CallSetup setup)
        {
            if (setup != _setups[line - 1])
            {
                _setups[line - 1] = setup;
                _subscriptions[line - 1] = setup == null ? null : new MessageSummarySubscription(setup);
            }
        }

        /// <summary>Subscribes, refreshes and retries as due, for the registered lines.</summary>
        public void Tick(long now)
        {
            for (int i = 0; i < _subscriptions.Length; i++)
            {
                if (_subscriptions[i] != null)
                {
                    _subscriptions[i].Tick(_sip.IsRegistered(i + 1), now);
                }
            }
        }

        /// <summary>
        /// A message-summary NOTIFY for one of the lines: answered 200, and its <c>Messages-Waiting</c>
        /// turns the line's message waiting on or off. False when it is no such NOTIFY, or for no line.
        /// </summary>
        public bool OnRequest(SipRequest notify, int connection, long now)
        {
            if (!MessageSummary.IsNotify(notify))
            {
                return false;
            }

            for (int i = 0; i < _ports.Length; i++)
            {
                MessageSummarySubscription subscription = _subscriptions[i];
                bool ours = subscription != null && subscription.Owns(notify);
                if (!ours && !_calls[i].IsFor(notify))
                {
                    continue;
                }

                MessageSummary summary = MessageSummary.Parse(SipCall.BodyText(notify));
                _sip.Reply(notify, connection, 200, "OK");
                if (summary != null && summary.Waiting != _ports[i].Line.MessageWaiting)
                {
                    _ports[i].SetMessageWaiting(summary.Waiting, now);
                }

                if (ours && MessageSummary.Terminates(notify))
                {
                    subscription.Terminated(now);
                }

                return true;
            }

            return false;
        }

        /// <summary>Takes an answer to one of the subscriptions' requests; false when it is none of theirs.</summary>
        public bool OnResponse(SipResponse response, long now)
        {
            for (int i = 0; i < _subscriptions.Length; i++)
            {
                if (_subscriptions[i] != null && _subscriptions[i].Owns(response))
                {
                    _subscriptions[i].OnResponse(response, now);
                    return true;
                }
            }

            return false;
        }
    }
}
