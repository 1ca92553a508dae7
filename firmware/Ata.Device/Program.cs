using System;
using System.Device.Gpio;
using System.Threading;
using Ata.Core;
using Ata.Core.Console;
using Ata.Core.Hardware;
using Ata.Core.Health;
using Ata.Core.Leds;
using Ata.Core.Provisioning;
using Ata.Core.Settings;
using Ata.Device.Board;

namespace Ata.Device
{
    /// <summary>
    /// The adapter on the reference board: wires the board's drivers to the core and runs the one
    /// loop that feeds the core its inputs with the time and calls <see cref="Adapter.Tick"/>; the
    /// 10 ms audio capture paces the loop.
    /// Every decision is the core's; this file only moves inputs in and actions out.
    /// </summary>
    public static class Program
    {
        private const string StoreDirectory = "I:\\ata";
        private const int LoopMs = 10;
        private const int WanTimeoutMs = 20000;
        private const long MqttRetryMs = 10000;
        private const long WanPollMs = 1000;
        private const string ProvisioningRecord = "provisioning";

        /// <summary>Boots the board and never returns.</summary>
        public static void Main()
        {
            long boot = Environment.TickCount64;
            LittleFsConfigStore store = new LittleFsConfigStore(StoreDirectory);
            Watchdog watchdog = new Watchdog(store);
            RecentLog log = new RecentLog(RecentLog.DefaultCapacity);
            string resetReason = ResetCause.Take(store);
            log.Add(boot, "boot: firmware " + FirmwareVersion.Current + ", reset " + resetReason);

            string settingsError;
            DeviceSettings settings = DeviceSettings.Load(store, out settingsError);
            if (settingsError != null)
            {
                log.Add(boot, "settings unreadable, using factory defaults: " + settingsError);
            }

            GpioController gpio = new GpioController();
            ShiftRegister register = new ShiftRegister(gpio);
            register.Set(Pins.SlicPower, true);
            ILed[] leds = new ILed[]
            {
                new ShiftRegisterLed(register, Pins.LedPower), new ShiftRegisterLed(register, Pins.LedWan),
                new ShiftRegisterLed(register, Pins.LedTel1), new ShiftRegisterLed(register, Pins.LedTel2),
            };
            HookEvents inputs = new HookEvents();
            Slic[] lines = new Slic[] { new Slic(1, gpio, register, inputs), new Slic(2, gpio, register, inputs) };
            new ResetButton(gpio, inputs);
            FactoryResetButton hold = new FactoryResetButton();
            SerialConsole serial = new SerialConsole();
            LineAudio audio = new LineAudio();

            WanLink wan = new WanLink(settings);
            TechnicianConsole console = new TechnicianConsole(null, new BoardInfo(resetReason, string.Empty), settings, store, log, boot);
            serial.Write(console.Greeting());

            Adapter adapter = null;
            UdpSipSocket socket = null;
            TcpSipTransport tcp = null;
            MqttLink mqtt = null;
            ProvisioningDocument savedConfig = null;
            LedPanel setupLeds = null;
            string missing = settings.Missing();
            if (missing != null)
            {
                log.Add(boot, "not set up: missing " + missing + "; use the technician console");
                setupLeds = new LedPanel(leds);
                setupLeds.Set(LedTable.Power, LedPattern.SlowBlink, 0, boot);
            }
            else
            {
                watchdog.Feed();
                if (!wan.Start(WanTimeoutMs))
                {
                    log.Add(Environment.TickCount64, wan.Problem);
                }

                string address;
                wan.State(out address);
                BoardInfo board = new BoardInfo(resetReason, wan.Mac());
                socket = new UdpSipSocket(address == null ? "0.0.0.0" : address);
                adapter = new Adapter(settings.DeviceId, board, socket, new DnsResolver(), leds,
                    new LoggingEvents(log, null), new Random(), Environment.TickCount64);
                adapter.Audio = audio;
                tcp = new TcpSipTransport();
                adapter.UseStreamTransport(tcp);
                string dns = settings.UsesDhcp ? wan.DnsServer() : settings.Dns;
                if (dns != null && dns.Length > 0)
                {
                    adapter.UseDnsServer(dns, 53);
                }

                adapter.Ringer = new SlicRinger(lines);
                console = new TechnicianConsole(adapter, board, settings, store, log, boot);
                for (int i = 0; i < lines.Length; i++)
                {
                    adapter.OnHook(lines[i].Line, lines[i].IsOffHook(), Environment.TickCount64);
                }

                ApplySaved(adapter, store, log);
                savedConfig = adapter.Config;
                mqtt = new MqttLink(settings.GatewayHost, settings.GatewayPort, settings.DeviceId, settings.DeviceSecret);
            }

            short[] heard1 = new short[LineAudio.CaptureSamples];
            short[] heard2 = new short[LineAudio.CaptureSamples];
            long nextMqtt = 0;
            long nextWan = 0;
            string lastWan = null;
            while (true)
            {
                long now = Environment.TickCount64;
                watchdog.Feed();

                int pin;
                bool high;
                while (inputs.TryTake(out pin, out high))
                {
                    if (pin == Pins.FactoryReset)
                    {
                        hold.Changed(!high, now);
                    }
                    else if (adapter != null)
                    {
                        adapter.OnHook(pin == Pins.Line1Hook ? 1 : 2, high, now);
                    }
                }

                if (hold.Due(now))
                {
                    log.Add(now, "factory reset by button");
                    store.EraseAll();
                    watchdog.Reboot("factory-reset");
                }

                string typed = serial.Read();
                if (typed.Length > 0)
                {
                    serial.Write(console.Receive(typed, now));
                    if (console.TakeAction() == ConsoleAction.Reboot)
                    {
                        Thread.Sleep(200);
                        watchdog.Reboot("console");
                    }
                }

                if (adapter != null)
                {
                    if (now >= nextWan)
                    {
                        nextWan = now + WanPollMs;
                        string address;
                        string state = wan.State(out address);
                        if (state != lastWan)
                        {
                            lastWan = state;
                            adapter.SetWan(state, address, now);
                        }
                    }

                    int length;
                    while ((length = socket.Receive()) > 0)
                    {
                        adapter.OnDatagram(socket.Buffer, length, now);
                    }

                    int connection;
                    while ((connection = tcp.Receive(out length)) > 0)
                    {
                        if (length > 0)
                        {
                            adapter.OnStreamData(connection, tcp.Buffer, length, now);
                        }
                        else
                        {
                            adapter.OnStreamClosed(connection, now);
                        }
                    }

                    if (mqtt.TakeLost())
                    {
                        log.Add(now, "mqtt connection lost");
                        adapter.OnMqttDisconnected(now);
                        nextMqtt = now;
                    }

                    if (!mqtt.IsConnected && now >= nextMqtt && lastWan == WanState.Online)
                    {
                        nextMqtt = now + MqttRetryMs;
                        if (mqtt.Connect())
                        {
                            log.Add(now, "mqtt connected to " + settings.GatewayHost);
                            adapter.OnMqttConnected(mqtt, Environment.TickCount64);
                        }
                        else
                        {
                            log.Add(now, mqtt.Problem);
                        }
                    }

                    string topic;
                    string payload;
                    while (mqtt.TryTake(out topic, out payload))
                    {
                        adapter.OnMqttMessage(topic, payload, now);
                    }

                    if (adapter.Config != savedConfig && store.Write(ProvisioningRecord, adapter.Config.ToJson()))
                    {
                        savedConfig = adapter.Config;
                    }

                    string rotated = adapter.TakeNewDeviceSecret();
                    if (rotated != null && rotated != settings.DeviceSecret)
                    {
                        // The gateway rotated the broker credential: keep it, then connect with it
                        // (the acknowledgement already went out on this connection).
                        settings.Set(DeviceSettings.DeviceSecretKey, rotated);
                        settings.Save(store);
                        log.Add(now, "device secret rotated by the gateway");
                        mqtt.Close();
                        adapter.OnMqttDisconnected(now);
                        mqtt = new MqttLink(settings.GatewayHost, settings.GatewayPort, settings.DeviceId, rotated);
                        nextMqtt = now + MqttRetryMs;
                    }

                    if (adapter.RebootRequested)
                    {
                        log.Add(now, "reboot asked by the gateway");
                        Thread.Sleep(200);
                        watchdog.Reboot("gateway");
                    }

                    audio.Capture(heard1, heard2);
                    adapter.OnAudio(1, heard1, 0, heard1.Length, now);
                    adapter.OnAudio(2, heard2, 0, heard2.Length, now);
                    adapter.Tick(now);
                }
                else
                {
                    setupLeds.Tick(now);
                    Thread.Sleep(LoopMs);
                }
            }
        }

        private static void ApplySaved(Adapter adapter, IConfigStore store, RecentLog log)
        {
            string saved = store.Read(ProvisioningRecord);
            if (saved == null)
            {
                return;
            }

            string error;
            ProvisioningDocument doc = ProvisioningDocument.Parse(saved, out error);
            if (doc == null)
            {
                log.Add(Environment.TickCount64, "saved provisioning unreadable: " + error);
                return;
            }

            adapter.Apply(doc, Environment.TickCount64);
        }
    }
}
