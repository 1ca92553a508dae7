namespace Ata.Portability.Tests;

/// <summary>
/// The public API of nanoFramework 1.x as listed in <c>../shared/nanoframework-api/api.tsv</c>:
/// one documentation-comment ID (ECMA-334 annex D) per line, with the assembly that declares it.
/// </summary>
public sealed class NanoFrameworkApi
{
    private readonly Dictionary<string, string> assemblyById;
    private readonly Dictionary<string, List<string>> idsByMemberName;
    private readonly Dictionary<string, List<string>> typeIdsBySimpleName;
    private readonly HashSet<string> namespaces;

    private NanoFrameworkApi(Dictionary<string, string> assemblyById)
    {
        this.assemblyById = assemblyById;
        idsByMemberName = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        typeIdsBySimpleName = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        namespaces = new HashSet<string>(StringComparer.Ordinal);

        foreach (string id in assemblyById.Keys)
        {
            Add(idsByMemberName, OverloadKey(id), id);
            if (id.StartsWith("T:", StringComparison.Ordinal))
            {
                string name = id.Substring(2);
                int dot = name.LastIndexOf('.');
                Add(typeIdsBySimpleName, dot < 0 ? name : name.Substring(dot + 1), id);
                for (; dot > 0; dot = name.LastIndexOf('.', dot - 1))
                {
                    namespaces.Add(name.Substring(0, dot));
                }
            }
        }
    }

    /// <summary>Every documentation-comment ID in the listing, in no particular order.</summary>
    public IEnumerable<string> Ids => assemblyById.Keys;

    /// <summary>Number of IDs in the listing.</summary>
    public int Count => assemblyById.Count;

    /// <summary>Where the listing was read from, or a description of an in-memory listing.</summary>
    public string Source { get; private set; } = "(in memory)";

    /// <summary>Reads a listing file; see <see cref="Parse"/> for the format.</summary>
    public static NanoFrameworkApi Load(string path)
    {
        NanoFrameworkApi api = Parse(File.ReadLines(path));
        api.Source = path;
        return api;
    }

    /// <summary>
    /// Parses <c>assembly TAB doc-id</c> lines. Lines without a tab-separated ID of the form
    /// <c>X:...</c> (the stray build warnings at the top of the real file, blanks) are ignored.
    /// </summary>
    public static NanoFrameworkApi Parse(IEnumerable<string> lines)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string raw in lines)
        {
            string line = raw.TrimEnd('\r');
            int tab = line.IndexOf('\t');
            if (tab <= 0)
            {
                continue;
            }

            string id = line.Substring(tab + 1).Trim();
            if (id.Length < 3 || id[1] != ':' || "TMPFE".IndexOf(id[0]) < 0)
            {
                continue;
            }

            ids[id] = line.Substring(0, tab).Trim();
        }

        return new NanoFrameworkApi(ids);
    }

    /// <summary>Parses an in-memory listing, one <c>assembly TAB doc-id</c> per line.</summary>
    public static NanoFrameworkApi Parse(string text) => Parse(text.Split('\n'));

    /// <summary>True when nanoFramework has the API with exactly this documentation-comment ID.</summary>
    public bool Contains(string id) => assemblyById.ContainsKey(id);

    /// <summary>The nanoFramework assembly that declares <paramref name="id"/>, or null.</summary>
    public string? AssemblyOf(string id) => assemblyById.TryGetValue(id, out string? assembly) ? assembly : null;

    /// <summary>
    /// True when some listed type lives in <paramref name="ns"/> or a namespace below it, so a
    /// <c>using</c> of it compiles on nanoFramework.
    /// </summary>
    public bool HasNamespace(string ns) => namespaces.Contains(ns);

    /// <summary>
    /// Listed members of the same kind, type and name as <paramref name="id"/> (its overloads,
    /// or for an accessor the other accessors' siblings), sorted.
    /// </summary>
    public IReadOnlyList<string> OverloadsOf(string id)
    {
        return idsByMemberName.TryGetValue(OverloadKey(id), out List<string>? found)
            ? found.Where(other => other != id).OrderBy(other => other, StringComparer.Ordinal).ToList()
            : Array.Empty<string>();
    }

    /// <summary>Listed types with the same simple name (and arity) as the type ID <paramref name="typeId"/>.</summary>
    public IReadOnlyList<string> TypesNamedLike(string typeId)
    {
        string name = typeId.Substring(2);
        int dot = name.LastIndexOf('.');
        string simple = dot < 0 ? name : name.Substring(dot + 1);
        return typeIdsBySimpleName.TryGetValue(simple, out List<string>? found)
            ? found.Where(other => other != typeId).OrderBy(other => other, StringComparer.Ordinal).ToList()
            : Array.Empty<string>();
    }

    /// <summary>Kind prefix plus the part of the ID before the parameter list and conversion suffix.</summary>
    private static string OverloadKey(string id)
    {
        int end = id.IndexOf('(');
        if (end < 0)
        {
            end = id.IndexOf('~');
        }

        return end < 0 ? id : id.Substring(0, end);
    }

    private static void Add(Dictionary<string, List<string>> map, string key, string id)
    {
        if (!map.TryGetValue(key, out List<string>? list))
        {
            list = new List<string>();
            map.Add(key, list);
        }

        list.Add(id);
    }
}
