namespace Ata.Gateway.Broker;

/// <summary>An adapter's broker login as it is to be: its login (its device id) and password hash, or no login at all.</summary>
/// <param name="Login">The adapter's device id.</param>
/// <param name="PasswordHash">Its <see cref="MosquittoPasswordHash"/> hash; null when the login is removed.</param>
public sealed record BrokerAccount(string Login, string? PasswordHash)
{
    /// <summary>Keeps the hash out of logs.</summary>
    public override string ToString() => PasswordHash is null ? $"{Login} (removed)" : Login;
}
