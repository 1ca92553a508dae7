using Ata.Core.Hardware;

namespace Ata.Core.Tests.Console;

/// <summary>A config store in memory; can be told to refuse writes like a full or failing flash.</summary>
internal sealed class MemoryConfigStore : IConfigStore
{
    public Dictionary<string, string> Records { get; } = [];
    public bool RefuseWrites { get; set; }
    public string? Read(string name) => Records.GetValueOrDefault(name);

    public bool Write(string name, string content)
    {
        if (RefuseWrites)
        {
            return false;
        }

        Records[name] = content;
        return true;
    }

    public void EraseAll() => Records.Clear();
}
