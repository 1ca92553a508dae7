namespace Ata.Gateway.Tests.Support;

/// <summary>One running gateway shared by a test class; each test uses its own device ids.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private RunningGateway? _gateway;

    internal RunningGateway Gateway => _gateway ?? throw new InvalidOperationException("The gateway has not started.");

    public async Task InitializeAsync() => _gateway = await RunningGateway.StartAsync(_directory.Path);

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        _directory.Dispose();
    }
}
