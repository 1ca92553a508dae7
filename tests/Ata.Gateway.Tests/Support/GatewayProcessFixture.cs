using Ata.Lab;

namespace Ata.Gateway.Tests.Support;

/// <summary>One gateway process (<see cref="GatewayProcess"/>) shared by a test class; each test uses its own device ids.</summary>
public sealed class GatewayProcessFixture : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private GatewayProcess? _gateway;

    internal GatewayProcess Gateway => _gateway ?? throw new InvalidOperationException("The gateway has not started.");

    public async Task InitializeAsync() => _gateway = await GatewayProcess.StartAsync(_directory.Path, FreePort.Tcp());

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        _directory.Dispose();
    }
}
