namespace Ata.Gateway.Store;

/// <summary>The store's settings name a database that cannot be used (the message says why in one line, without secrets).</summary>
public sealed class StoreUnusableException : Exception
{
    /// <summary>Makes one.</summary>
    public StoreUnusableException()
    {
    }

    /// <summary>Makes one saying why.</summary>
    /// <param name="message">Why, in one line.</param>
    public StoreUnusableException(string message)
        : base(message)
    {
    }

    /// <summary>Makes one saying why, with the cause.</summary>
    /// <param name="message">Why, in one line.</param>
    /// <param name="inner">The cause.</param>
    public StoreUnusableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
