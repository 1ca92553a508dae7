using System;
using System.Collections;
using Ata.Core.Calls;
using Ata.Core.Contract;
using Ata.Core.DialPlan;
using Ata.Core.Faults;
using Ata.Core.Gateway;
using Ata.Core.Hardware;
using Ata.Core.Health;
using Ata.Core.Host;
using Ata.Core.Leds;
using Ata.Core.Media;
using Ata.Core.Provisioning;
using Ata.Core.Sip;
using Ata.Core.Sip.Dialogs;
using Ata.Core.Sip.Subscriptions;
using Ata.Core.Telephony;
using Ata.Core.Voicemail;

namespace Ata.Core
{
    /// <summary>How the adapter's parts tell each other what happened (see <see cref="Adapter"/>).</summary>
    public sealed partial class Adapter
    {
        /// <summary>The adapter's listeners, kept off its public surface.</summary>
        private sealed class Parts : IFaultListener, IRegistrationObserver, ILineObserver, IGatewayRequests, ICallHandler, ICallObserver
        {
            private readonly Adapter _adapter;

            public Parts(Adapter adapter)
            {
                _adapter = adapter;
            }

            public void FaultChanged(FaultReport report, long now)
            {
                _adapter._events.FaultChanged(report, now);
                _adapter._link.SendFault(report, now);
                _adapter._healthDue = true;
            }

            public void RegistrationChanged(int line, string state, int sipCode, string fault, long now)
            {
                _adapter._events.RegistrationChanged(line, state, sipCode, fault, now);
                _adapter._healthDue = true;
            }

            public void ConfigReceived(string payload, long now)
            {
                _adapter.ConfigFromGateway(payload, now);
            }

            public void CommandReceived(string id, string command, Hashtable arguments, long now)
            {
                string detail;
                bool ok = GatewayCommand.Run(_adapter, command, arguments, now, out detail);
                _adapter._link.Send(MqttTopics.CommandResult, HealthReport.CommandResult(id, ok, detail), now);
            }

            public bool OnRequest(Sip.Messages.SipRequest request, int connection, long now)
            {
                for (int i = 0; i < LineCount; i++)
                {
                    if (_adapter._calls[i].OnRequest(request, connection, now))
                    {
                        return true;
                    }
                }

                if (_adapter._voicemail.OnRequest(request, connection, now))
                {
                    return true;
                }

                if (request.Method != "INVITE")
                {
                    return false;
                }

                for (int i = 0; i < LineCount; i++)
                {
                    if (_adapter._calls[i].IsFor(request))
                    {
                        _adapter._calls[i].Incoming(request, connection, now);
                        return true;
                    }
                }

                return false;
            }

            public void OnResponse(Sip.Messages.SipResponse response, long now)
            {
                if (_adapter._voicemail.OnResponse(response, now))
                {
                    return;
                }

                for (int i = 0; i < LineCount && !_adapter._calls[i].OnResponse(response, now); i++)
                {
                }
            }

            public void OnUnreachable(string address, int port, long now)
            {
                for (int i = 0; i < LineCount; i++)
                {
                    _adapter._calls[i].OnUnreachable(address, port, now);
                }
            }

            public void CallChanged(CallRecord call, long now)
            {
                _adapter._healthDue = true;
                _adapter._events.CallChanged(call, now);
                if (call.State == CallState.Ended)
                {
                    _adapter._link.SendCall(call, now);
                }
            }

            public void PassThroughChanged(CallRecord call, bool passThrough, bool echoCanceller, long now)
            {
                _adapter._events.PassThroughChanged(call.Line, passThrough, echoCanceller, now);
            }

            public void LineStateChanged(int line, string state, long now)
            {
                _adapter._calls[line - 1].LineStateChanged(state, now);
                _adapter._healthDue = true;
                _adapter._events.LineStateChanged(line, state, now);
            }

            public void ToneChanged(int line, string tone, bool playing, long now)
            {
                _adapter._events.ToneChanged(line, tone, playing, now);
            }

            public void DigitDialled(int line, char digit, string method, long now)
            {
                _adapter._events.DigitDialled(line, digit, method, now);
            }

            public void HookFlashed(int line, long now)
            {
                _adapter._events.HookFlashed(line, now);
                _adapter._calls[line - 1].Flash(now);
            }

            public void Dialled(int line, string outcome, string number, string detail, long now)
            {
                _adapter._events.Dialled(line, outcome, number, detail, now);
                _adapter._calls[line - 1].Dialled(outcome, number, detail == ServiceCodes.AnonymousCallDetail, now);
                if (outcome == DialOutcome.ServiceAccepted && number == "#21#")
                {
                    _adapter._link.Send(MqttTopics.Service,
                        HealthReport.Service(line, number, ServiceActions.CancelCallForwarding, _adapter.UptimeMs(now)), now);
                }
                else if (outcome == DialOutcome.Call && detail != null)
                {
                    // The code, never the number: the service report says what was asked, not whom it called.
                    ServiceCodes services = _adapter._ports[line - 1].Line.Profile.Services;
                    bool anonymous = detail == ServiceCodes.AnonymousCallDetail;
                    _adapter._link.Send(MqttTopics.Service, HealthReport.Service(line, anonymous ? services.AnonymousCall : services.CallReturn,
                        anonymous ? ServiceActions.AnonymousCall : ServiceActions.CallReturn, _adapter.UptimeMs(now)), now);
                }
            }

            public void Ringer(int line, bool on, long now)
            {
                if (_adapter.Ringer != null)
                {
                    _adapter.Ringer.Set(line, on);
                }
            }
        }
    }
}
