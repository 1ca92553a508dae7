using System;
using System.Text;
using Ata.Core.Dtmf;
using Ata.Core.Hardware;

namespace Ata.Core.Media
{
    /// <summary>
    /// One call's audio over RTP (RFC 3550) with G.711 (RFC 3551), after offer and answer settled it
    /// (<see cref="MediaParameters"/>). Every 20 ms the line gives it a frame of handset audio
    /// (<see cref="Transmit"/>) and takes a frame for the earpiece (<see cref="Play"/>); the host hands it the
    /// datagrams that arrive on the call's RTP and RTCP sockets (<see cref="OnRtp"/>, <see cref="OnRtcp"/>),
    /// and calls <see cref="Tick"/> for RTCP. Audio is sent from the socket it is received on (symmetric
    /// RTP) to the far end's negotiated address; packets from anywhere else, or with a payload type not
    /// negotiated, are dropped and counted. Keys pressed on the handset are heard in-band and sent as
    /// RFC 4733 events (audio muted meanwhile); the far end's events sound in the earpiece. Pure: time is
    /// passed in; nothing is allocated per packet.
    /// </summary>
    public sealed partial class MediaSession
    {
        /// <summary>Samples in one frame, the packet size sent (20 ms at 8 kHz).</summary>
        public const int FrameSamples = 160;

        /// <summary>Milliseconds of audio in one frame (20 ms, the packet time).</summary>
        public const long FrameMs = 20;

        /// <summary>
        /// The echo canceller and its non-linear processor, stepped aside for an answer tone, come back when the audio has
        /// been quiet both ways (each below <see cref="AnswerToneDetector.QuietDbm0"/>) this long: ITU-T G.168's tone
        /// disabler releases after 250 ± 150 ms of it. Pass-through itself stays until the call ends.
        /// </summary>
        public const int ToneDisablerReleaseMs = 250;

        private const int SamplesPerMs = 8;

        private readonly IDatagramSocket _rtp;
        private readonly IDatagramSocket _rtcp;
        private readonly IMediaKernels _kernels;
        private readonly Random _random;
        private readonly byte[] _cname;
        private readonly RtpHeader _header = new RtpHeader();
        private readonly ReceptionStatistics _reception = new ReceptionStatistics();
        private readonly FarEndReport _farEnd = new FarEndReport();
        private readonly TelephoneEventSender _eventSender = new TelephoneEventSender();
        private readonly TelephoneEventReceiver _eventReceiver;
        private readonly DtmfDetector _keys;
        private readonly EchoCanceller _echo;
        private readonly AnswerToneDetector _farEndTone;
        private readonly AnswerToneDetector _handsetTone;
        private readonly short[] _microphone = new short[FrameSamples];
        private readonly byte[] _packet = new byte[RtpHeader.Size + FrameSamples];
        private readonly byte[] _report;
        private JitterBuffer _buffer;
        private MediaParameters _parameters;

        private int _sequence;
        private uint _timestamp;
        private bool _firstAudio = true;
        private bool _heardFarEnd;
        private bool _sentSinceReport;
        private long _nextReportAt;
        private char _keyHeld;
        private bool _toneDisabler;
        private bool _cancellerOffByTone;
        private bool _processorOffByTone;

        /// <summary>
        /// Starts a call's media.
        /// </summary>
        /// <param name="parameters">What offer and answer settled (copied).</param>
        /// <param name="rtp">The call's RTP socket: datagrams received on it go to <see cref="OnRtp"/>, and audio is sent from it.</param>
        /// <param name="rtcp">The call's RTCP socket (the RTP port plus one).</param>
        /// <param name="kernels">The per-sample kernels: native on the board, the managed reference elsewhere.</param>
        /// <param name="sineTable">The oscillator table for the far end's DTMF (<see cref="SineTable.Build"/>), shared by the lines.</param>
        /// <param name="random">Randomness for the SSRC, the first sequence number and timestamp, and the RTCP interval.</param>
        /// <param name="cname">The RTCP canonical name (e.g. <c>user@address</c>).</param>
        /// <param name="now">The time in milliseconds.</param>
        public MediaSession(MediaParameters parameters, IDatagramSocket rtp, IDatagramSocket rtcp, IMediaKernels kernels, short[] sineTable, Random random, string cname, long now)
        {
            _parameters = parameters.Clone();
            _rtp = rtp;
            _rtcp = rtcp;
            _kernels = kernels;
            _random = random;
            _cname = Encoding.UTF8.GetBytes(cname.Length > 255 ? cname.Substring(0, 255) : cname);
            _report = new byte[RtcpPacket.MaxFixedSize + _cname.Length];
            _eventReceiver = new TelephoneEventReceiver(kernels, sineTable);
            _keys = new DtmfDetector(kernels);
            _buffer = new JitterBuffer(kernels, _parameters.ALaw);
            _buffer.Mode = ModeFor(_parameters);
            _echo = new EchoCanceller(kernels, EchoCanceller.DefaultTaps, FrameSamples);
            _farEndTone = new AnswerToneDetector(kernels);
            _handsetTone = new AnswerToneDetector(kernels);
            PassThroughAt = -1;
            EchoCancellerOffAt = -1;
            EchoCancellerBackAt = -1;
            Quality = new MediaQuality(_reception, _farEnd, _buffer);
            Ssrc = ((uint)random.Next(0x10000) << 16) | (uint)random.Next(0x10000);
            _sequence = random.Next(0x10000);
            _timestamp = ((uint)random.Next(0x10000) << 16) | (uint)random.Next(0x10000);
            _nextReportAt = now + RtcpInterval.NextMs(random.NextDouble(), true);
            WallClockOffsetMs = RtcpPacket.NtpToUnixMs;
        }

        /// <summary>This side's SSRC.</summary>
        public uint Ssrc { get; private set; }

        /// <summary>What the session runs on (its own copy).</summary>
        public MediaParameters Parameters
        {
            get { return _parameters; }
        }

        /// <summary>The per-sample kernels the session runs on (a tone mixed over its audio uses them too).</summary>
        public IMediaKernels Kernels
        {
            get { return _kernels; }
        }

        /// <summary>The call's quality figures, live.</summary>
        public MediaQuality Quality { get; private set; }

        /// <summary>
        /// The line's echo canceller: it cancels the hybrid's echo of the earpiece in the microphone audio before
        /// it is sent (on by default; <see cref="EchoCanceller.BulkDelaySamples"/> is the host's audio path delay).
        /// </summary>
        public EchoCanceller EchoCanceller
        {
            get { return _echo; }
        }

        /// <summary>How the jitter buffer plays out now (<see cref="Media.JitterBufferMode.PassThrough"/> from an answer tone on).</summary>
        public JitterBufferMode JitterBufferMode
        {
            get { return _buffer.Mode; }
        }

        /// <summary>
        /// Takes new parameters from a re-INVITE (hold, resume, a new address or codec). A new codec starts
        /// a new jitter buffer; a new far-end address starts its statistics over.
        /// </summary>
        public void Update(MediaParameters parameters)
        {
            MediaParameters next = parameters.Clone();
            if (next.ALaw != _parameters.ALaw)
            {
                _buffer = new JitterBuffer(_kernels, next.ALaw);
                Quality.Attach(_buffer);
            }

            if (next.RemoteAddress != _parameters.RemoteAddress || next.RemotePort != _parameters.RemotePort)
            {
                _heardFarEnd = false;
            }

            if (next.Direction != _parameters.Direction || next.HasRemote != _parameters.HasRemote)
            {
                // Hold or resume: what was buffered belongs before it; the buffer starts over with the
                // first packet after the change.
                _buffer.Reset();
                _eventReceiver.Reset();
            }

            _buffer.Mode = ModeFor(next);
            _parameters = next;
        }

        /// <summary>Takes a datagram that arrived on the RTP socket from <paramref name="address"/>:<paramref name="port"/>.</summary>
        public void OnRtp(byte[] data, int length, string address, int port, long now)
        {
            if (!_header.TryRead(data, 0, length))
            {
                Quality.Malformed++;
                return;
            }

            int type = _header.PayloadType;
            bool audio = type == _parameters.PayloadType;
            bool events = type == _parameters.EventPayloadType && _parameters.EventPayloadType >= 0;
            if (!IsFarEnd(address, port))
            {
                if (!_parameters.LatchRemote || _heardFarEnd || !(audio || events))
                {
                    Quality.WrongSource++;
                    return;
                }

                _parameters.RemoteAddress = address;
                _parameters.RemotePort = port;
                _parameters.RemoteRtcpPort = -1;
            }

            if (!audio && !events)
            {
                Quality.WrongPayloadType++;
                return;
            }

            if (!_heardFarEnd || _header.Ssrc != _reception.Ssrc)
            {
                if (_heardFarEnd)
                {
                    _buffer.Reset();
                    _eventReceiver.Reset();
                }

                _reception.Reset(_header.Ssrc);
                _heardFarEnd = true;
            }

            _reception.Update(_header.Sequence, _header.Timestamp, now * SamplesPerMs);
            if (!_parameters.Receives)
            {
                return;
            }

            if (events)
            {
                long before = _eventReceiver.EventsReceived;
                _eventReceiver.OnPacket(data, _header.PayloadOffset, _header.PayloadLength, _header.Timestamp, now);
                Quality.EventsReceived += _eventReceiver.EventsReceived - before;
                return;
            }

            long malformed = _buffer.Malformed;
            _buffer.Put(data, _header.PayloadOffset, _header.PayloadLength, _header.Timestamp, now);
            Quality.Malformed += _buffer.Malformed - malformed;
        }

        /// <summary>
        /// Sends one frame (<see cref="FrameSamples"/> samples from <paramref name="offset"/>) of handset audio:
        /// as G.711, or, while a key is held, as its telephone events. Call every 20 ms.
        /// </summary>
        public void Transmit(short[] microphone, int offset, long now)
        {
            Array.Copy(microphone, offset, _microphone, 0, FrameSamples);
            _handsetTone.Feed(_microphone, 0, FrameSamples);
            _echo.Cancel(_microphone, 0, FrameSamples);
            FollowAnswerTone(now);
            if (KeysAsEvents && !PassThrough && _parameters.EventPayloadType >= 0)
            {
                ListenForKeys(_microphone, 0);
            }

            if (_parameters.Sends)
            {
                bool marker;
                uint eventTimestamp;
                int eventLength = _eventSender.Next(_packet, RtpHeader.Size, FrameSamples, out marker, out eventTimestamp);
                if (eventLength > 0)
                {
                    Send(_parameters.EventPayloadType, marker, eventTimestamp, eventLength);
                }

                if (!_eventSender.IsHeld)
                {
                    if (_parameters.ALaw)
                    {
                        _kernels.EncodeALaw(_microphone, 0, _packet, RtpHeader.Size, FrameSamples);
                    }
                    else
                    {
                        _kernels.EncodeMuLaw(_microphone, 0, _packet, RtpHeader.Size, FrameSamples);
                    }

                    Send(_parameters.PayloadType, _firstAudio, _timestamp, FrameSamples);
                    _firstAudio = false;
                }
            }

            _timestamp += FrameSamples;
        }

        /// <summary>
        /// Plays one frame (<see cref="FrameSamples"/> samples) for the earpiece into <paramref name="earpiece"/>:
        /// the far end's audio from the jitter buffer, or its DTMF event's tone while one sounds, or silence
        /// when this side does not receive (hold). Call every 20 ms from the audio clock.
        /// </summary>
        public void Play(short[] earpiece, int offset, long now)
        {
            if (!_parameters.Receives)
            {
                Array.Clear(earpiece, offset, FrameSamples);
                return;
            }

            _buffer.Play(earpiece, offset, now);
            _eventReceiver.Render(earpiece, offset, FrameSamples, now);
            _echo.Played(earpiece, offset, FrameSamples);
            _farEndTone.Feed(earpiece, offset, FrameSamples);
            FollowAnswerTone(now);
        }

        /// <summary>
        /// How the jitter buffer plays out with <paramref name="parameters"/>: untouched in pass-through; only a conversation
        /// both ways conceals lost audio (on hold, recvonly or inactive, the far end's silence is no loss, and a gap plays as silence).
        /// </summary>
        private JitterBufferMode ModeFor(MediaParameters parameters)
        {
            if (PassThrough)
            {
                return JitterBufferMode.PassThrough;
            }

            return parameters.Direction == MediaDirection.SendReceive && parameters.HasRemote ? JitterBufferMode.Conversation : JitterBufferMode.OneWay;
        }

        /// <summary>True when <paramref name="address"/>:<paramref name="port"/> is where the far end's RTP is expected from.</summary>
        public bool IsFarEnd(string address, int port)
        {
            return port == _parameters.RemotePort && address == _parameters.RemoteAddress;
        }

        private void Send(int payloadType, bool marker, uint timestamp, int payloadLength)
        {
            RtpHeader.Write(_packet, 0, marker, payloadType, _sequence, timestamp, Ssrc);
            _sequence = (_sequence + 1) & 0xFFFF;
            _rtp.Send(_packet, RtpHeader.Size + payloadLength, _parameters.RemoteAddress, _parameters.RemotePort);
            Quality.PacketsSent++;
            Quality.OctetsSent += payloadLength;
            _sentSinceReport = true;
        }
    }
}
