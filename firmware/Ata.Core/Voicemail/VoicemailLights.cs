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
    /// the line's message waiting (stutter dial tone, TEL LED pattern, visual indicator). A line whose message
    /// waiting is provisioned off does not subscribe (an existing subscription is ended with <c>Expires: 0</c>), its
    /// light goes out, and a NOTIFY for it is answered but lights nothing.
    /// </summary>
    public sealed class VoicemailLights
    {
        private readonly UserAgent _sip;
        private readonly FxsPort[] _ports;
        private readonly LineCalls[] _calls;
        private readonly MessageSummarySubscription[] _subscriptions;
        private readonly CallSetup[] _setups;
        private readonly MessageSummarySubscription[] _ending;
        private readonly bool[] _off;

        /// <summary>Creates the lights of <paramref name="ports"/>, whose accounts <paramref name="calls"/> know.</summary>
        public VoicemailLights(UserAgent sip, FxsPort[] ports, LineCalls[] calls)
        {
            _sip = sip;
            _ports = ports;
            _calls = calls;
            _subscriptions = new MessageSummarySubscription[ports.Length];
            _setups = new CallSetup[ports.Length];
            _ending = new MessageSummarySubscription[ports.Length];
            _off = new bool[ports.Length];
            for (int i = 0; i < ports.Length; i++)
            {
                _subscriptions[i] = null;
                _setups[i] = null;
                _ending[i] = null;
            }
        }

        /// <summary>Line <paramref name="line"/>'s subscription (1-based), or null when it has no account.</summary>
        public MessageSummarySubscription Subscription(int line)
        {
            return _subscriptions[line - 1];
        }

        /// <summary>Line <paramref name="line"/>'s light now: a <see cref="VoicemailState"/> name.</summary>
        public string StateOf(int line)
        {
            if (_off[line - 1])
            {
                return VoicemailState.Off;
            }

            return _ports[line - 1].Line.MessageWaiting ? VoicemailState.Waiting : VoicemailState.None;
        }

        /// <summary>
        /// The line's account is now <paramref name="setup"/> (null: none), with its message waiting on or off
        /// (<paramref name="messageWaiting"/>): a changed account subscribes anew; off ends the subscription and puts the light out.
        /// </summary>
        public void Configure(int line, CallSetup setup, bool messageWaiting, long now)
        {
            int i = line - 1;
            _off[i] = !messageWaiting;
            if (!messageWaiting)
            {
                _setups[i] = null;
                if (_subscriptions[i] != null)
                {
                    _subscriptions[i].End(now);
                    _ending[i] = _subscriptions[i];
                    _subscriptions[i] = null;
                }

                if (_ports[i].Line.MessageWaiting)
                {
                    _ports[i].SetMessageWaiting(false, now);
                }

                return;
            }

            if (setup != _setups[i])
            {
                _setups[i] = setup;
                _subscriptions[i] = setup == null ? null : new MessageSummarySubscription(setup);
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

                if (_ending[i] != null)
                {
                    _ending[i].Tick(false, now);
                    if (_ending[i].State == MessageSummarySubscription.Ended)
                    {
                        _ending[i] = null;
                    }
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
                bool ending = _ending[i] != null && _ending[i].Owns(notify);
                if (!ours && !ending && !_calls[i].IsFor(notify))
                {
                    continue;
                }

                MessageSummary summary = MessageSummary.Parse(SipCall.BodyText(notify));
                _sip.Reply(notify, connection, 200, "OK");
                if (_off[i])
                {
                    return true;
                }

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

                if (_ending[i] != null && _ending[i].Owns(response))
                {
                    _ending[i].OnResponse(response, now);
                    return true;
                }
            }

            return false;
        }
    }
}
