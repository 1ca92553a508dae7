namespace Ata.Lab.Tests;

public sealed class LabOptionsTests
{
    [Fact]
    public void Without_options_the_lab_uses_the_default_folder_and_port_8080()
    {
        var options = LabOptions.Parse([], "/repo/.lab");

        Assert.Equal(("/repo/.lab", 8080, false, false), (options.DataDirectory, options.HttpPort, options.HttpPortChosen, options.Postgres));
    }

    [Fact]
    public void Postgres_keeps_the_gateways_store_in_a_throwaway_cluster()
    {
        var options = LabOptions.Parse(["--postgres", "--data", "/tmp/lab"], "/repo/.lab");

        Assert.Equal(("/tmp/lab", true), (options.DataDirectory, options.Postgres));
    }

    [Theory]
    [InlineData("--data", "/tmp/lab", "--http-port", "9090")]
    [InlineData("--data=/tmp/lab", "--http-port=9090", null, null)]
    public void Data_folder_and_port_can_be_given(string first, string second, string? third, string? fourth)
    {
        var options = LabOptions.Parse(new[] { first, second, third, fourth }.OfType<string>().ToArray(), "/repo/.lab");

        Assert.Equal(("/tmp/lab", 9090, true), (options.DataDirectory, options.HttpPort, options.HttpPortChosen));
    }

    [Theory]
    [InlineData("--http-port", "eighty")]
    [InlineData("--http-port", "70000")]
    [InlineData("--verbose", "x")]
    [InlineData("--data", null)]
    [InlineData("--postgres=yes", null)]
    public void A_wrong_command_line_is_one_line(string option, string? value)
    {
        var error = Assert.Throws<ArgumentException>(() => LabOptions.Parse(new[] { option, value }.OfType<string>().ToArray(), "/repo/.lab"));

        Assert.DoesNotContain('\n', error.Message);
    }
}
