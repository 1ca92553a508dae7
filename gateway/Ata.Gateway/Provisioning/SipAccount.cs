namespace Ata.Gateway.Provisioning;

/// <summary>One SIP account, provisioned on an adapter line.</summary>
/// <param name="Username">The SIP user (also the digest user).</param>
/// <param name="Password">The SIP password. Only ever sent to the adapter, in its config document.</param>
/// <param name="Registrar">The registrar as <c>host[:port]</c>.</param>
public sealed record SipAccount(string Username, string Password, string Registrar)
{
    /// <summary>Keeps the password out of logs.</summary>
    public override string ToString() => $"{Username}@{Registrar}";
}

/// <summary>What support asks an adapter to be: its broker secret and its lines (line 1, then 2).</summary>
/// <param name="Secret">The device secret the adapter authenticates to the broker with.</param>
/// <param name="Lines">One or two SIP accounts; line numbers are positions, from 1.</param>
public sealed record AdapterSpecification(string Secret, IReadOnlyList<SipAccount> Lines)
{
    /// <summary>Keeps the secret and passwords out of logs.</summary>
    public override string ToString() => $"{Lines.Count} line(s)";
}

/// <summary>The provisioning document of an adapter: a version and its lines.</summary>
/// <param name="DeviceId">The adapter.</param>
/// <param name="Version">The config version, bumped on every change.</param>
/// <param name="Lines">The SIP accounts, line 1 first.</param>
public sealed record AdapterConfig(string DeviceId, int Version, IReadOnlyList<SipAccount> Lines)
{
    /// <summary>Keeps the passwords out of logs.</summary>
    public override string ToString() => $"{DeviceId} config v{Version}";
}
