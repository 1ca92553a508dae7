using Ata.Core.Settings;
using Ata.Core.Tests.Console;

namespace Ata.Core.Tests.Settings;

public sealed class DeviceSettingsTests
{
    [Fact]
    public void Factory_defaults_are_ethernet_dhcp_port_1883_and_say_what_is_missing()
    {
        var s = new DeviceSettings();
        Assert.Equal(DeviceSettings.Ethernet, s.WanMode);
        Assert.True(s.UsesDhcp);
        Assert.Equal(1883, s.GatewayPort);
        Assert.Equal("device.id, device.secret, gateway.host", s.Missing());
    }

    [Theory]
    [InlineData("device.id", "has space")]
    [InlineData("device.id", "a/b")]
    [InlineData("device.secret", "short")]
    [InlineData("gateway.host", "bad_host!")]
    [InlineData("gateway.port", "0")]
    [InlineData("gateway.port", "65536")]
    [InlineData("gateway.port", "12ab")]
    [InlineData("wan.mode", "lte")]
    [InlineData("wan.password", "1234567")]
    [InlineData("wan.address", "192.168.1.300")]
    [InlineData("wan.address", "1.2.3")]
    [InlineData("wan.dns", "dns.example")]
    public void Refuses_bad_values_with_a_reason_and_keeps_the_old_one(string key, string value)
    {
        var s = new DeviceSettings();
        string before = s.Get(key);
        string? error = s.Set(key, value);
        Assert.NotNull(error);
        Assert.StartsWith(key, error);
        Assert.Equal(before, s.Get(key));
    }

    [Fact]
    public void Unknown_keys_are_refused_with_the_list_of_keys()
    {
        string? error = new DeviceSettings().Set("wan.speed", "fast");
        Assert.Contains("unknown setting 'wan.speed'", error);
        Assert.Contains("gateway.host", error);
    }

    [Fact]
    public void Round_trips_through_the_store_and_masks_secrets_when_shown()
    {
        var store = new MemoryConfigStore();
        var s = new DeviceSettings();
        Assert.Null(s.Set("device.id", "ata-7"));
        Assert.Null(s.Set("device.secret", "s3cret-value"));
        Assert.Null(s.Set("gateway.host", "gw.example.net"));
        Assert.Null(s.Set("gateway.port", "8883"));
        Assert.Null(s.Set("wan.mode", "wifi"));
        Assert.Null(s.Set("wan.ssid", "Home Net"));
        Assert.Null(s.Set("wan.password", "wifi-pass-1"));
        Assert.Null(s.Set("wan.address", "192.168.1.20"));
        Assert.Null(s.Set("wan.netmask", "255.255.255.0"));
        Assert.True(s.Save(store));

        var loaded = DeviceSettings.Load(store, out string? error);
        Assert.Null(error);
        Assert.Equal("ata-7", loaded.DeviceId);
        Assert.Equal("s3cret-value", loaded.DeviceSecret);
        Assert.Equal(8883, loaded.GatewayPort);
        Assert.Equal("Home Net", loaded.WifiSsid);
        Assert.False(loaded.UsesDhcp);
        Assert.Null(loaded.Missing());
        Assert.Equal(DeviceSettings.Mask, loaded.Show("device.secret"));
        Assert.Equal(DeviceSettings.Mask, loaded.Show("wan.password"));
        Assert.Equal("(not set)", loaded.Show("wan.dns"));
    }

    [Fact]
    public void A_corrupt_record_loads_factory_defaults_with_the_reason()
    {
        var store = new MemoryConfigStore();
        store.Records[DeviceSettings.RecordName] = "{\"device.id\":";
        var s = DeviceSettings.Load(store, out string? error);
        Assert.NotNull(error);
        Assert.Equal(string.Empty, s.DeviceId);
    }
}
