using Ata.Core.Media;

namespace Ata.Core.Calls
{
    /// <summary>The calls' audio: RTP and RTCP datagrams to the call they belong to, starting the media of the call in the foreground, and its pass-through and echo canceller told to the observer.</summary>
    public sealed partial class LineCalls
    {
        /// <summary>A datagram on the line's RTP socket.</summary>
        public void OnRtp(byte[] data, int length, string address, int port, long now)
        {
            if (_other != null && _other.Media != null && _other.Media.IsFarEnd(address, port))
            {
                _other.Media.OnRtp(data, length, address, port, now);
            }
            else if (_media != null)
            {
                _media.OnRtp(data, length, address, port, now);
            }
        }

        /// <summary>A datagram on the line's RTCP socket.</summary>
        public void OnRtcp(byte[] data, int length, string address, int port, long now)
        {
            if (_other != null && _other.Media != null && _other.Media.IsFarEndRtcp(address, port))
            {
                _other.Media.OnRtcp(data, length, address, port, now);
            }
            else if (_media != null)
            {
                _media.OnRtcp(data, length, address, port, now);
            }
        }

        private void StartMedia(MediaParameters parameters, long now)
        {
            if (_media != null)
            {
                _media.Update(parameters);
                return;
            }

            _media = new MediaSession(parameters, _rtp, _rtcp, Kernels, _sine, _random,
                _setup.Config.Username + "@" + _rtp.LocalAddress, now);
            _shownPassThrough = false;
            _shownEchoCanceller = true;
            _media.EchoCanceller.BulkDelaySamples = EchoPathDelaySamples;
            _record.Codec = parameters.ALaw ? "PCMA" : "PCMU";
            _record.Quality = _media.Quality;
            _port.Media = _media;
        }

        /// <summary>Tells the observer when the call in the foreground goes into pass-through, or its echo canceller turns off or on.</summary>
        private void FollowPassThrough(long now)
        {
            bool echoCanceller = _media.EchoCanceller.Enabled;
            if (_media.PassThrough != _shownPassThrough || echoCanceller != _shownEchoCanceller)
            {
                _shownPassThrough = _media.PassThrough;
                _shownEchoCanceller = echoCanceller;
                _observer.PassThroughChanged(_record, _shownPassThrough, echoCanceller, now);
            }
        }
    }
}
