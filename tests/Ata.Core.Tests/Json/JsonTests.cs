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
}
