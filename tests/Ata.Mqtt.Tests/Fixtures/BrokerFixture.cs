namespace Ata.Mqtt.Tests.Fixtures;

/// <summary>One anonymous broker shared by the tests of a class.</summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    internal MosquittoBroker Broker { get; private set; } = null!;

    public async Task InitializeAsync() => Broker = await MosquittoBroker.StartNewAsync();

    public async Task DisposeAsync() => await Broker.DisposeAsync();
}
