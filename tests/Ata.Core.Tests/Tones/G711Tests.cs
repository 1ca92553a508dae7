using Ata.Core.Tones;

namespace Ata.Core.Tests.Tones;

public class G711Tests
{
    [Fact]
    public void Silence_and_the_known_codes()
    {
        Assert.Equal(0xD5, G711.ToALaw(0));
        Assert.Equal(0xFF, G711.ToMuLaw(0));
        Assert.Equal(0xAA, G711.ToALaw(short.MaxValue));
        Assert.Equal(0x80, G711.ToMuLaw(short.MaxValue));
        Assert.Equal(0x2A, G711.ToALaw(short.MinValue));
        Assert.Equal(0x00, G711.ToMuLaw(short.MinValue));
    }

    [Fact]
    public void Every_code_decodes_and_encodes_back_to_itself()
    {
        for (int code = 0; code < 256; code++)
        {
            Assert.Equal(code, G711.ToALaw(G711.FromALaw((byte)code)));
            short mu = G711.FromMuLaw((byte)code);
            byte again = G711.ToMuLaw(mu);

            // µ-law has two codes for zero (0x7F and 0xFF); every other code is its own.
            Assert.True(again == code || (mu == 0 && again == 0xFF), $"µ-law {code:x2} -> {mu} -> {again:x2}");
        }
    }

    [Fact]
    public void Companding_error_stays_within_the_segment_step()
    {
        for (int x = short.MinValue; x <= short.MaxValue; x += 7)
        {
            int a = G711.FromALaw(G711.ToALaw((short)x));
            int u = G711.FromMuLaw(G711.ToMuLaw((short)x));
            int allowed = Math.Max(32, Math.Abs(x) / 16);
            Assert.InRange(a - x, -allowed - 16, allowed + 16);
            Assert.InRange(u - x, -allowed - 16, allowed + 16);
        }
    }
}
