namespace Ata.Lab.Tests;

public sealed class RequiredToolTests
{
    [Fact]
    public void A_missing_binary_is_one_line_naming_the_package_to_install()
    {
        var error = Assert.Throws<ToolNotInstalledException>(() => RequiredTool.Locate("ata-no-such-registrar"));

        Assert.Equal("ata-no-such-registrar is not installed: sudo apt-get install -y ata-no-such-registrar", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("kamailio", "kamailio")]
    [InlineData("mosquitto", "mosquitto")]
    [InlineData("mosquitto_passwd", "mosquitto")]
    [InlineData("sipp", "sip-tester")]
    public void Binaries_map_to_their_Debian_packages(string binary, string package) =>
        Assert.Equal(package, RequiredTool.DebianPackageOf(binary));

    [Fact]
    public void Installed_binaries_are_found_with_their_full_path()
    {
        var kamailio = RequiredTool.Locate("kamailio");

        Assert.True(Path.IsPathFullyQualified(kamailio));
        Assert.Equal("kamailio", Path.GetFileName(kamailio));
        Assert.True(File.Exists(kamailio));
    }
}
