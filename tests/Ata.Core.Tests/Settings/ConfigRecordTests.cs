using System.Text;
using Ata.Core.Settings;

namespace Ata.Core.Tests.Settings;

public sealed class ConfigRecordTests
{
    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        byte[] data = Encoding.ASCII.GetBytes("123456789");
        Assert.Equal(0xCBF43926u, ConfigRecord.Crc32(data, 0, data.Length));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"device.id\":\"ata-1\"}")]
    [InlineData("grüße")]
    public void Round_trips(string text) => Assert.Equal(text, ConfigRecord.Decode(ConfigRecord.Encode(text)));

    [Fact]
    public void A_torn_or_corrupted_record_reads_as_absent()
    {
        byte[] record = ConfigRecord.Encode("{\"gateway.host\":\"gw.example.net\"}");
        Assert.Null(ConfigRecord.Decode(record[..^3]));
        byte[] flipped = (byte[])record.Clone();
        flipped[^2] ^= 0x20;
        Assert.Null(ConfigRecord.Decode(flipped));
        Assert.Null(ConfigRecord.Decode(Encoding.ASCII.GetBytes("not a record")));
        Assert.Null(ConfigRecord.Decode([]));
    }
}
