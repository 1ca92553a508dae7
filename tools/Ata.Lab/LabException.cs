namespace Ata.Lab;

/// <summary>The lab could not start or keep running; the message is one line for the console.</summary>
public sealed class LabException : Exception
{
    /// <summary>Creates the failure.</summary>
    /// <param name="message">One line: what failed and where to look.</param>
    /// <param name="innerException">The cause, kept for the lab's log file.</param>
    public LabException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
