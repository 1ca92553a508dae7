using System.Collections;
using Ata.Core.Json;

namespace Ata.Core.Tests.Json;

public class JsonTests
{
    [Fact]
    public void Writes_and_reads_back_every_kind_of_value()
    {
        string text = new JsonWriter().BeginObject()
            .Property("s", "quote \" backslash \\ newline \n tab \t ctrl \u0001 ø")
            .Property("n", -1234567890123L)
            .Property("t", true)
            .Property("f", false)
            .Name("nothing").Null()
            .Name("list").BeginArray().Value(1).Value("two").BeginObject().EndObject().BeginArray().EndArray().EndArray()
            .EndObject().ToString();

        Hashtable parsed = JsonReader.ParseObject(text);
        Assert.Equal("quote \" backslash \\ newline \n tab \t ctrl \u0001 ø", parsed["s"]);
        Assert.Equal(-1234567890123L, parsed["n"]);
        Assert.Equal(true, parsed["t"]);
        Assert.Equal(false, parsed["f"]);
        Assert.True(parsed.ContainsKey("nothing"));
        Assert.Null(parsed["nothing"]);
        var list = (ArrayList)parsed["list"]!;
        Assert.Equal(4, list.Count);
        Assert.Equal(1L, list[0]);
        Assert.Equal("two", list[1]);
        Assert.IsType<Hashtable>(list[2]);
        Assert.IsType<ArrayList>(list[3]);

        // The reader's output written again parses to the same thing.
        Hashtable again = JsonReader.ParseObject(new JsonWriter().Any(parsed).ToString());
        Assert.Equal(parsed["s"], again["s"]);
        Assert.Equal(parsed["n"], again["n"]);
    }

    [Fact]
    public void Agrees_with_System_Text_Json_on_what_it_writes()
    {
        string text = new JsonWriter().BeginObject().Property("a\"b", "x\u001fy").Property("n", 5).EndObject().ToString();
        using var doc = System.Text.Json.JsonDocument.Parse(text);
        Assert.Equal("x\u001fy", doc.RootElement.GetProperty("a\"b").GetString());
        Assert.Equal(5, doc.RootElement.GetProperty("n").GetInt32());
    }

    [Theory]
    [InlineData("1.5", 1.5)]
    [InlineData("-0.25", -0.25)]
    [InlineData("2e3", 2000.0)]
    [InlineData("1E-2", 0.01)]
    public void Reads_numbers_with_fractions_and_exponents(string text, double expected)
    {
        Assert.Equal(expected, (double)JsonReader.Parse(text)!, 10);
    }

    [Fact]
    public void Reads_unicode_escapes_and_white_space()
    {
        var table = JsonReader.ParseObject(" {\n\t\"k\" : \"\\u00e6\\u00F8\\/\" } ");
        Assert.Equal("æø/", table["k"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"a\":}")]
    [InlineData("{\"a\":1,}")]
    [InlineData("[1 2]")]
    [InlineData("{a:1}")]
    [InlineData("\"unterminated")]
    [InlineData("\"bad \\x escape\"")]
    [InlineData("\"\\u12\"")]
    [InlineData("01")]
    [InlineData("1.")]
    [InlineData("-")]
    [InlineData("tru")]
    [InlineData("{} x")]
    [InlineData("\"raw \n newline\"")]
    public void Refuses_malformed_text_with_a_position(string text)
    {
        var e = Assert.Throws<JsonException>(() => JsonReader.Parse(text));
        Assert.Contains("at position", e.Message);
    }

    [Fact]
    public void Refuses_nesting_beyond_the_limit_instead_of_overflowing_the_stack()
    {
        string deep = new string('[', 10000) + new string(']', 10000);
        Assert.Throws<JsonException>(() => JsonReader.Parse(deep));
        string ok = new string('[', JsonReader.MaxDepth) + new string(']', JsonReader.MaxDepth);
        Assert.IsType<ArrayList>(JsonReader.Parse(ok));
    }

    [Fact]
    public void Typed_reads_fall_back_when_absent_or_of_another_type()
    {
        var t = JsonReader.ParseObject("{\"s\":1,\"n\":\"x\",\"b\":true}");
        Assert.Null(JsonObject.GetString(t, "s"));
        Assert.Equal(7, JsonObject.GetLong(t, "n", 7));
        Assert.True(JsonObject.GetBool(t, "b", false));
        Assert.Null(JsonObject.GetArray(t, "missing"));
    }

    [Fact]
    public void Refuses_an_escaped_NUL_in_a_string_instead_of_cutting_the_string_short()
    {
        // A nanoFramework string ends at a NUL: "ab\u0000cd" would silently become "ab" on the adapter.
        var e = Assert.Throws<JsonException>(() => JsonReader.ParseObject("{\"user\":\"ab\\u0000cd\"}"));
        Assert.StartsWith("\\u0000 in a string", e.Message);
        Assert.Equal(11, e.Position);
    }

    [Fact]
    public void Reads_UTF_8_bytes_and_escapes_of_any_plane()
    {
        byte[] utf8 = System.Text.Encoding.UTF8.GetBytes("{\"raw\":\"Grüße ☎ 😀\",\"escaped\":\"\\u00fc\\u260e\\ud83d\\ude00\\n\",\"mixed\":\"a\\tü\"}");
        var table = JsonReader.ParseObject(utf8, 0, utf8.Length);
        Assert.Equal("Grüße ☎ 😀", table["raw"]);
        Assert.Equal("ü☎😀\n", table["escaped"]);
        Assert.Equal("a\tü", table["mixed"]);
    }

    [Fact]
    public void Reads_a_document_in_the_middle_of_a_buffer()
    {
        byte[] buffer = System.Text.Encoding.UTF8.GetBytes("xx[1,\"two\"]yy");
        var list = Assert.IsType<ArrayList>(JsonReader.Parse(buffer, 2, buffer.Length - 4));
        Assert.Equal(2, list.Count);
        // Positions count from the document's first byte: the string cut off at the end starts at 3.
        var e = Assert.Throws<JsonException>(() => JsonReader.Parse(buffer, 2, 5));
        Assert.Equal("unterminated string at position 3", e.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x22, 0xC3, 0x22 })]
    [InlineData(new byte[] { 0x22, 0xC0, 0xAF, 0x22 })]
    [InlineData(new byte[] { 0x22, 0xED, 0xA0, 0x80, 0x22 })]
    [InlineData(new byte[] { 0x22, 0xF5, 0x80, 0x80, 0x80, 0x22 })]
    [InlineData(new byte[] { 0x22, 0xFF, 0x22 })]
    public void Refuses_bytes_that_are_not_UTF_8(byte[] bytes)
    {
        var e = Assert.Throws<JsonException>(() => JsonReader.Parse(bytes, 0, bytes.Length));
        Assert.StartsWith("not UTF-8", e.Message);
    }

    [Theory]
    [InlineData("\"\\ud83d\"")]
    [InlineData("\"\\ude00\"")]
    [InlineData("\"\\ud83d\\u0041\"")]
    public void Refuses_a_lone_surrogate(string text)
    {
        var e = Assert.Throws<JsonException>(() => JsonReader.Parse(text));
        Assert.Contains("lone surrogate", e.Message);
    }

    [Fact]
    public void Work_grows_linearly_with_the_document()
    {
        // A provisioning-like document 1, 4 and 16 times as long. The old reader indexed a string
        // character by character, which nanoFramework (UTF-8 strings) makes quadratic: 1.2, 13.5 and
        // 189 ms on its interpreter. The reader's own count of bytes looked at must stay proportional.
        int[] factors = [1, 4, 16];
        double[] perByte = new double[3];
        for (int i = 0; i < 3; i++)
        {
            var w = new JsonWriter().BeginObject().Property("version", 7).Name("lines").BeginArray();
            for (int n = 0; n < factors[i]; n++)
            {
                w.BeginObject().Property("username", "user" + n).Property("password", "pässwörd \" " + n)
                    .Property("registrar", "voice.example.net:5060").Property("expires", 3600)
                    .Name("barring").BeginArray().Value("international").Value("premium").EndArray()
                    .Property("ratio", 25).EndObject();
            }

            byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(w.EndArray().EndObject().ToString());
            JsonReader.Parse(utf8, 0, utf8.Length, out int visited);
            perByte[i] = (double)visited / utf8.Length;
        }

        Assert.InRange(perByte[0], 1.0, 4.0);
        Assert.InRange(perByte[1], perByte[0] * 0.8, perByte[0] * 1.25);
        Assert.InRange(perByte[2], perByte[0] * 0.8, perByte[0] * 1.25);
    }
}
