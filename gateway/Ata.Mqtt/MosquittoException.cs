namespace Ata.Mqtt;

/// <summary>libmosquitto refused an operation; <see cref="ErrorCode"/> is its <c>MOSQ_ERR_*</c> code.</summary>
public sealed class MosquittoException : InvalidOperationException
{
    /// <summary>Creates the exception for a libmosquitto error code.</summary>
    /// <param name="errorCode">The <c>MOSQ_ERR_*</c> code.</param>
    /// <param name="message">What failed, in words.</param>
    public MosquittoException(int errorCode, string message)
        : base(message)
    {
        ErrorCode = errorCode;
    }

    /// <summary>Creates the exception without a libmosquitto error code.</summary>
    public MosquittoException()
    {
    }

    /// <summary>Creates the exception without a libmosquitto error code.</summary>
    /// <param name="message">What failed, in words.</param>
    public MosquittoException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception without a libmosquitto error code.</summary>
    /// <param name="message">What failed, in words.</param>
    /// <param name="innerException">The cause.</param>
    public MosquittoException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>libmosquitto's <c>MOSQ_ERR_*</c> code, or 0 when there is none.</summary>
    public int ErrorCode { get; }
}
