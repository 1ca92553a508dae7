using Ata.Gateway.Provisioning;

namespace Ata.Gateway.Tests.Provisioning;

public sealed class RegistrarAddressTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:5060")]
    [InlineData("sip.example.net")]
    [InlineData("sip.example.net.")]
    [InlineData("sip-1.example.net:65535")]
    [InlineData("localhost:1")]
    [InlineData("[::1]")]
    [InlineData("[2001:db8::1]:5060")]
    public void Accepts(string registrar) => Assert.True(RegistrarAddress.IsValid(registrar, out _));

    [Theory]
    [InlineData("")]
    [InlineData(":5060")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1:50a")]
    [InlineData("127.0.0.1:+5060")]
    [InlineData("256.1.1.1")]
    [InlineData("1.2.3")]
    [InlineData("::1")]
    [InlineData("2001:db8::1:5060")]
    [InlineData("[::1")]
    [InlineData("[::1]5060")]
    [InlineData("[127.0.0.1]:5060")]
    [InlineData("bad host")]
    [InlineData("-bad.example")]
    [InlineData("sip:2001@example.net")]
    [InlineData("example..net")]
    public void Refuses(string registrar)
    {
        Assert.False(RegistrarAddress.IsValid(registrar, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }
}
