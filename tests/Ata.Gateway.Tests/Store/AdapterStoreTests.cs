using Ata.Core.Faults;
using Ata.Gateway.Broker;
using Ata.Gateway.Fleet;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Store;
using Ata.Gateway.Tests.Support;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Tests.Store;

public sealed class AdapterStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public void Saving_bumps_the_version_only_on_a_change_and_keeps_only_a_hash_of_the_secret()
    {
        using var store = Open();
        var lines = new[] { new SipAccount("2001", "pw", "127.0.0.1:5060") };

        Assert.Equal(new SaveOutcome(true, 1, true, true), store.Save("ata-1", new AdapterSpecification("secret-one", lines)));
        Assert.Equal(new SaveOutcome(false, 1, false, false), store.Save("ata-1", new AdapterSpecification("secret-one", lines)));
        Assert.Equal(new SaveOutcome(false, 2, true, false), store.Save("ata-1", new AdapterSpecification("secret-one", [new SipAccount("2001", "pw2", "127.0.0.1:5060")])));
        Assert.Equal(new SaveOutcome(false, 3, true, true), store.Save("ata-1", new AdapterSpecification("secret-two", [new SipAccount("2001", "pw2", "127.0.0.1:5060")])));

        var account = Assert.Single(store.ListBrokerAccounts());
        Assert.Equal("ata-1", account.Key);
        Assert.True(MosquittoPasswordHash.Verify("secret-two", account.Value));
        Assert.DoesNotContain("secret-two", File.ReadAllText(store.Path) + ReadWal(store), StringComparison.Ordinal);
    }

    [Fact]
    public void Faults_are_keyed_by_code_and_line_and_survive_reopening()
    {
        using (var store = Open())
        {
            store.Save("ata-2", new AdapterSpecification("secret-one", [new SipAccount("2001", "pw", "h"), new SipAccount("2002", "pw", "h")]));
            Assert.True(store.RecordFault("ata-2", new ReportedFault(1, FaultCode.WrongCredentials, true, 1, 403, "a")));
            Assert.True(store.RecordFault("ata-2", new ReportedFault(2, FaultCode.WrongCredentials, true, 2, 403, "b")));
            Assert.True(store.RecordFault("ata-2", new ReportedFault(3, FaultCode.WrongCredentials, true, 1, 401, "c")));
            Assert.True(store.RecordFault("ata-2", new ReportedFault(4, FaultCode.WrongCredentials, false, 2, null, null)));
            Assert.False(store.RecordFault("nobody", new ReportedFault(1, FaultCode.NetworkDown, true, null, null, null)));
            Assert.False(store.RecordStatus("nobody", true));
        }

        using var reopened = Open();
        var fault = Assert.Single(reopened.Find("ata-2")!.Faults);
        Assert.Equal((FaultCode.WrongCredentials, (int?)1, (int?)401, "c"), (fault.Code, fault.Line, fault.SipCode, fault.Detail));
        Assert.Equal(2, reopened.Find("ata-2")!.Lines.Count);
    }

    [Fact]
    public void Configs_are_published_again_after_the_broker_may_have_lost_them()
    {
        using var store = Open();
        store.Save("ata-3", new AdapterSpecification("secret-one", [new SipAccount("2001", "pw", "h")]));
        Assert.Equal(["ata-3"], store.ListUnpublishedConfigs());

        store.MarkConfigPublished("ata-3", 1);
        Assert.Empty(store.ListUnpublishedConfigs());

        store.MarkAllConfigsUnpublished();
        Assert.Equal(["ata-3"], store.ListUnpublishedConfigs());
    }

    public void Dispose() => _directory.Dispose();

    private AdapterStore Open() =>
        new(Options.Create(new GatewayOptions { DataDirectory = _directory.Path }), TimeProvider.System);

    private static string ReadWal(AdapterStore store) =>
        File.Exists(store.Path + "-wal") ? File.ReadAllText(store.Path + "-wal") : string.Empty;
}
