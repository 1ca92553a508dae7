using System.Security.Cryptography;
using System.Text;
using Ata.Core.Sip.Auth;

namespace Ata.Core.Tests.Sip;

public class Md5Tests
{
    [Theory]
    [InlineData("", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("a", "0cc175b9c0f1b6a831c399e269772661")]
    [InlineData("abc", "900150983cd24fb0d6963f7d28e17f72")]
    [InlineData("message digest", "f96b697d7cb7938d525a2f31aaf161d0")]
    [InlineData("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b")]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a")]
    public void Matches_the_RFC_1321_test_suite(string input, string expected)
    {
        Assert.Equal(expected, Md5.HexOf(input));
    }

    [Fact]
    public void Matches_the_platform_MD5_for_every_length_around_block_boundaries()
    {
        var random = new Random(7);
        for (int length = 0; length < 300; length++)
        {
            byte[] data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(MD5.HashData(data), Md5.Hash(data));
        }
    }

    [Fact]
    public void Hashes_UTF8_text()
    {
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes("blåbær"))), Md5.HexOf("blåbær"));
    }
}
