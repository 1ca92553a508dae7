namespace Ata.Gateway.Broker;

/// <summary>The adapters' broker accounts could not be written (a read-only or full disk): nothing was changed.</summary>
public sealed class BrokerAccountsException : Exception
{
    /// <summary>The exception for files in <paramref name="directory"/> that cannot be written.</summary>
    /// <param name="directory">The broker's folder.</param>
    /// <param name="inner">What the file system said.</param>
    public static BrokerAccountsException Unwritable(string directory, Exception inner) =>
        new($"the broker's account files in {directory} cannot be written: {inner?.Message}", inner!);

    /// <summary>Creates the exception.</summary>
    public BrokerAccountsException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public BrokerAccountsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="inner">Its cause.</param>
    public BrokerAccountsException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
