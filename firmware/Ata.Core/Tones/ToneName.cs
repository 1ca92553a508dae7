namespace Ata.Core.Tones
{
    /// <summary>The names of the signals a line plays, as used in tone plans, events and WAV file names.</summary>
    public static class ToneName
    {
        /// <summary>Dial tone: the line is ready for digits.</summary>
        public const string Dial = "dial";
        /// <summary>Busy: the called party is engaged.</summary>
        public const string Busy = "busy";
        /// <summary>Ringback: the called party is being rung.</summary>
        public const string Ringback = "ringback";
        /// <summary>Congestion (reorder): the number cannot be dialled or reached.</summary>
        public const string Congestion = "congestion";
        /// <summary>Call waiting: a second call is offered during a call.</summary>
        public const string CallWaiting = "call-waiting";
        /// <summary>Special information tone (three rising tones).</summary>
        public const string SpecialInformation = "special-information";
        /// <summary>Stuttered dial tone: a message is waiting.</summary>
        public const string Stutter = "stutter";
        /// <summary>Receiver off hook (howler): the handset was left off hook.</summary>
        public const string ReceiverOffHook = "receiver-off-hook";
        /// <summary>No service: the line is not registered, so the service (not the phone) is at fault.</summary>
        public const string NoService = "no-service";
        /// <summary>Refusal: a service code the provider does not offer.</summary>
        public const string Refusal = "refusal";
        /// <summary>Confirmation: a service code was accepted.</summary>
        public const string Confirmation = "confirmation";
        /// <summary>The ringing cadence (the "frequency" is the ringing voltage's, 25 Hz or 20 Hz).</summary>
        public const string Ring = "ring";

        /// <summary>Every name a tone plan defines, in the order of the printed plan.</summary>
        public static readonly string[] All =
        {
            Dial, Busy, Ringback, Congestion, CallWaiting, SpecialInformation, Stutter, ReceiverOffHook,
            NoService, Refusal, Confirmation, Ring,
        };

        /// <summary>True when <paramref name="name"/> is one of <see cref="All"/>.</summary>
        public static bool IsKnown(string name)
        {
            for (int i = 0; i < All.Length; i++)
            {
                if (All[i] == name)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
