namespace Ata.Gateway.Broker;

/// <summary>
/// The embedded broker's adapter logins. The store is their source of truth: on start, after a
/// broker restart and whenever something failed, the logins file is written whole from the store
/// and the broker reloads it. Between those, each change costs the same whatever the fleet's size:
/// with the device logins plugin (<see cref="DeviceLoginMode.Plugin"/>) it is appended to the
/// logins file inside the store's transaction and sent to the plugin over its control topic after
/// the commit; with Mosquitto's password file (<see cref="DeviceLoginMode.File"/>) the whole file is
/// written and reloaded, as before the plugin.
/// </summary>
public sealed partial class EmbeddedBroker
{
    /// <summary>Appended lines beyond which the logins file is written whole again (besides this many per login).</summary>
    private const long CompactAfter = 100_000;

    /// <summary>Whether the device logins plugin keeps the adapters' logins (it is built and not turned off).</summary>
    public bool ViaPlugin => _options.DeviceLogins == DeviceLoginMode.Plugin && DeviceLogins.Plugin is not null;

    /// <inheritdoc/>
    public void WriteDeviceAccounts(IReadOnlyList<BrokerAccount> changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        _filesLock.Wait();
        try
        {
            if (ViaPlugin)
            {
                _logins.Append(Admitted(changed));
            }
            else
            {
                WriteDeviceFiles(Merge(_store.ListBrokerAccounts(), changed));
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw BrokerAccountsException.Unwritable(_directory.Root, exception);
        }
        finally
        {
            _filesLock.Release();
        }
    }

    /// <inheritdoc/>
    public async Task ApplyDeviceLoginsAsync(IReadOnlyList<string> deviceIds, bool recorded, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deviceIds);
        if (!ViaPlugin)
        {
            await ApplyDeviceCredentialsAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var accounts = new List<BrokerAccount>(deviceIds.Count);
        try
        {
            foreach (var deviceId in deviceIds)
            {
                accounts.Add(new BrokerAccount(deviceId, _store.FindBrokerAccount(deviceId)));
            }
        }
        catch (System.Data.Common.DbException exception)
        {
            LogAccountsUnwritable(_logger, _directory.Root, exception.Message);
            await ApplyDeviceCredentialsAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var admitted = Admitted(accounts);
        if (!recorded)
        {
            await _filesLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                _logins.Append(admitted);
                recorded = true;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                LogAccountsUnwritable(_logger, _directory.Root, exception.Message);
            }
            finally
            {
                _filesLock.Release();
            }
        }

        if (!recorded || !await _logins.TrySendAsync(admitted, cancellationToken).ConfigureAwait(false)
            || _logins.Appended > CompactAfter + _writtenLogins)
        {
            await ApplyDeviceCredentialsAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async Task ApplyDeviceCredentialsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReconcileAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or System.Data.Common.DbException)
        {
            LogAccountsUnwritable(_logger, _directory.Root, exception.Message);
            if (Interlocked.Exchange(ref _reconciling, 1) == 0)
            {
                _ = ReconcileUntilDoneAsync(_stopping.Token);
            }
        }
    }

    /// <summary>
    /// Makes the broker's logins file what the store says and has the broker load it: writes it
    /// when it differs, then SIGHUP when the running broker has not loaded this text yet (the plugin,
    /// or Mosquitto, then drops the sessions of logins that are gone or changed).
    /// </summary>
    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        await _filesLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (passwords, written) = WriteDeviceFiles(_store.ListBrokerAccounts());
            var digest = LoginsDigest(passwords);
            if ((written || _loadedPasswords is null || !digest.AsSpan().SequenceEqual(_loadedPasswords)) && _process is { HasExited: false } process
                && UnixSignal.Send(process.Id, UnixSignal.Hangup))
            {
                _loadedPasswords = digest;
                LogReloading(_logger, process.Id);
            }
        }
        finally
        {
            _filesLock.Release();
        }
    }

    private async Task ReconcileUntilDoneAsync(CancellationToken stopping)
    {
        for (var failures = 1; !stopping.IsCancellationRequested; failures++)
        {
            try
            {
                await Task.Delay(RestartBackoff.Delay(failures), _time, stopping).ConfigureAwait(false);
                await ReconcileAsync(stopping).ConfigureAwait(false);
                Volatile.Write(ref _reconciling, 0);
                LogAccountsWritten(_logger, _directory.Root);
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or System.Data.Common.DbException)
            {
                LogAccountsStillUnwritable(_logger, exception.Message, RestartBackoff.Delay(failures + 1).TotalSeconds);
            }
        }
    }

    /// <summary>
    /// Writes the adapters' logins file and ACL where they are not what they should be; the caller
    /// holds the files lock.
    /// </summary>
    /// <returns>The logins file's text, and whether a file had to be written.</returns>
    private (string Passwords, bool Written) WriteDeviceFiles(IReadOnlyList<KeyValuePair<string, string>> accounts)
    {
        var devices = new List<BrokerAccount>(accounts.Count);
        foreach (var (login, hash) in accounts)
        {
            devices.Add(new BrokerAccount(login, hash));
        }

        var admitted = Admitted(devices);
        var passwords = DeviceLogins.Lines(admitted);
        var written = false;
        foreach (var (path, text) in new[] { (_directory.AclFile, MosquittoFiles.DeviceAcl()), (_directory.PasswordFile, passwords) })
        {
            if (PrivateFile.Read(path) != text)
            {
                PrivateFile.Write(path, text);
                written = true;
            }
        }

        _logins.Rewritten();
        _writtenLogins = admitted.Count;
        return (passwords, written);
    }

    /// <summary>What the broker is known to have loaded is kept as this digest of the logins file's text.</summary>
    private static byte[] LoginsDigest(string passwords) => System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(passwords));

    /// <summary>
    /// The accounts that may be broker logins: an adapter whose id is the gateway's own client id
    /// (as a client it would be the gateway) or not a device id is left out, and logged.
    /// </summary>
    private List<BrokerAccount> Admitted(IReadOnlyList<BrokerAccount> accounts)
    {
        var admitted = new List<BrokerAccount>(accounts.Count);
        foreach (var account in accounts)
        {
            if (account.Login == _options.ClientId || !Ata.Core.Contract.MqttTopics.IsValidDeviceId(account.Login))
            {
                LogAccountLeftOut(_logger, account.Login);
                continue;
            }

            admitted.Add(account);
        }

        return admitted;
    }

    /// <summary>The committed accounts with <paramref name="changed"/> (not yet committed) applied: what the store is about to say.</summary>
    private static List<KeyValuePair<string, string>> Merge(IReadOnlyList<KeyValuePair<string, string>> committed, IReadOnlyList<BrokerAccount> changed)
    {
        var accounts = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (login, hash) in committed)
        {
            accounts[login] = hash;
        }

        foreach (var (login, hash) in changed)
        {
            if (hash is null)
            {
                accounts.Remove(login);
            }
            else
            {
                accounts[login] = hash;
            }
        }

        return [.. accounts];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Broker credentials changed; mosquitto (pid {Pid}) reloads them")]
    private static partial void LogReloading(ILogger logger, int pid);

    [LoggerMessage(Level = LogLevel.Error, Message = "The adapters' broker accounts in {Directory} cannot be written ({Reason}); the broker keeps the accounts it has until they can, retrying")]
    private static partial void LogAccountsUnwritable(ILogger logger, string directory, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The adapters' broker accounts still cannot be written ({Reason}); retrying in {Seconds:0.###} s")]
    private static partial void LogAccountsStillUnwritable(ILogger logger, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "The adapters' broker accounts in {Directory} are written again and the broker has them")]
    private static partial void LogAccountsWritten(ILogger logger, string directory);

    [LoggerMessage(Level = LogLevel.Error, Message = "Adapter '{DeviceId}' has no broker login: its id is the gateway's own client id (Broker:ClientId) or not a device id")]
    private static partial void LogAccountLeftOut(ILogger logger, string deviceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker's device logins plugin ({File}) is not beside the gateway (it is built with the gateway when libmosquitto-dev, mosquitto-dev and libssl-dev are installed): every adapter change rewrites and reloads the broker's password file")]
    private static partial void LogNoDeviceLogins(ILogger logger, string file);
}
