using Ata.Core.Dtmf;

namespace Ata.Core.Tests;

/// <summary>
/// The helper that makes arrays of references hold stored nulls (nanoFramework's interpreter does not
/// treat a fresh array's elements as null; the portability check requires this helper or a fill).
/// </summary>
public class ArraysTests
{
    [Fact]
    public void Strings_and_objects_have_the_length_asked_for_and_null_elements()
    {
        string[] strings = Arrays.Strings(3);
        object[] objects = Arrays.Objects(2);

        Assert.Equal(new string?[] { null, null, null }, strings);
        Assert.Equal(new object?[] { null, null }, objects);
        Assert.Empty(Arrays.Strings(0));
    }

    [Fact]
    public void StoreNulls_overwrites_every_element_of_a_typed_array_and_returns_it()
    {
        DtmfDetector[] detectors = { new DtmfDetector(), new DtmfDetector() };
        string[] names = { "a", "b" };

        Assert.Same(detectors, Arrays.StoreNulls(detectors));
        Assert.Same(names, Arrays.StoreNulls(names));
        Assert.All(detectors, Assert.Null);
        Assert.All(names, Assert.Null);
    }
}
