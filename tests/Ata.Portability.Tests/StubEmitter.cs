using System.Text;
using Microsoft.CodeAnalysis;
using static Ata.Portability.Tests.NanoFrameworkStubs;

namespace Ata.Portability.Tests;

/// <summary>
/// Writes the C# declaration of one listed type and its listed members for <see cref="NanoFrameworkStubs"/>.
/// Each fact an ID does not carry comes first from the stub tables (checked against the nanoFramework
/// sources), then from the .NET member with the same ID (<see cref="DotNetShapes"/>), then from the
/// naming conventions (…Exception, …EventArgs, I…, Try…/Get… out parameters, verbs return void).
/// </summary>
internal sealed class StubEmitter
{
    private readonly HashSet<string> typeNames;
    private readonly HashSet<string> stubbed;
    private readonly Dictionary<string, List<string>> members;
    private readonly DotNetShapes shapes;

    public StubEmitter(HashSet<string> typeNames, HashSet<string> stubbed, Dictionary<string, List<string>> members, DotNetShapes shapes)
    {
        this.typeNames = typeNames;
        this.stubbed = stubbed;
        this.members = members;
        this.shapes = shapes;
    }

    public void EmitType(StringBuilder s, string type)
    {
        string name = type[(type.LastIndexOf('.') + 1)..];
        List<string> own = members.TryGetValue(type, out List<string>? list) ? list : new List<string>();
        bool has(string member) => own.Any(id => MemberPath(id) == type + "." + member);
        INamedTypeSymbol? dotnet = shapes.Type(type);
        string? invoke = own.FirstOrDefault(id => id.StartsWith("M:", StringComparison.Ordinal) && MemberName(id) == "Invoke");
        if (invoke != null && (has("EndInvoke") || dotnet?.TypeKind == TypeKind.Delegate))
        {
            s.Append("public delegate ").Append(ReturnTypeOf(invoke, "System.Void")).Append(" @").Append(name)
                .Append('(').Append(ParameterList(invoke)).AppendLine(");");
            return;
        }

        bool isStruct = Structs.Contains(type) || dotnet?.TypeKind == TypeKind.Struct;
        bool onlyFields = own.Count > 0 && own.All(id => id.StartsWith("F:", StringComparison.Ordinal) || (id.StartsWith("M:", StringComparison.Ordinal) && MemberName(id) == "#ctor" && Parameters(id).Count == 0));
        var nested = typeNames.Where(t => stubbed.Contains(t) && ParentType(t, typeNames) == type).OrderBy(t => t, StringComparer.Ordinal).ToList();
        bool isEnum = dotnet != null
            ? dotnet.TypeKind == TypeKind.Enum
            : onlyFields && nested.Count == 0 && !ConstantClasses.Contains(type) && !isStruct;
        if (isEnum)
        {
            var values = own.Where(id => id.StartsWith("F:", StringComparison.Ordinal)).Select(MemberName).Where(n => n != "value__").OrderBy(n => n, StringComparer.Ordinal);
            s.Append("public enum @").Append(name).Append(" { ").Append(string.Join(", ", values.Select((v, i) => "@" + v + " = " + (1 << Math.Min(i, 30))))).AppendLine(" }");
            return;
        }

        bool isInterface = dotnet != null
            ? dotnet.TypeKind == TypeKind.Interface
            : name.Length > 1 && name[0] == 'I' && char.IsUpper(name[1]) && !has("#ctor") && !isStruct;
        bool allStatic = StaticTypes.Contains(type) || dotnet?.IsStatic == true;
        string kind = isInterface ? "interface" : isStruct ? "struct" : "class";
        var bases = new List<string>();
        string? baseType = BaseTypes.TryGetValue(type, out string? listed) ? listed : isInterface || isStruct ? null : shapes.BaseTypeOf(type);
        if (baseType != null)
        {
            bases.Add(TypeName(baseType));
        }
        else if (!isInterface && !isStruct && name.EndsWith("Exception", StringComparison.Ordinal))
        {
            bases.Add("global::System.Exception");
        }
        else if (!isInterface && !isStruct && name.EndsWith("EventArgs", StringComparison.Ordinal))
        {
            bases.Add("global::System.EventArgs");
        }

        // An interface's base interfaces need no implementation, so they are declared as .NET has them
        // (IDictionaryEnumerator : IEnumerator gives foreach its Current).
        if (isInterface)
        {
            bases.AddRange(shapes.BaseInterfacesOf(type).Select(TypeName));
        }

        if (!isInterface && own.Any(id => id == "M:" + type + ".Dispose"))
        {
            bases.Add("global::System.IDisposable");
        }

        bool isAbstract = !isInterface && !isStruct && !allStatic && dotnet?.IsAbstract == true;
        s.Append("public ").Append(isStruct ? "partial " : isAbstract ? "abstract " : string.Empty).Append(kind).Append(" @").Append(name);
        if (bases.Count > 0)
        {
            s.Append(" : ").Append(string.Join(", ", bases));
        }

        s.AppendLine(" {");

        // Derived stubs may call it; code outside the stubs cannot (private protected).
        if (!isInterface && !isStruct && !own.Any(id => id == "M:" + type + ".#ctor"))
        {
            s.Append("private protected @").Append(name).AppendLine("() { }");
        }

        string body = isInterface ? ";" : " { throw null; }";
        var accessors = new HashSet<string>(StringComparer.Ordinal);
        foreach (string id in own.Where(id => id[0] == 'P' || id[0] == 'E'))
        {
            string member = MemberName(id);
            accessors.Add(id[0] == 'P' ? "get_" + member : "add_" + member);
            accessors.Add(id[0] == 'P' ? "set_" + member : "remove_" + member);
        }

        foreach (string id in own.OrderBy(i => i, StringComparer.Ordinal))
        {
            string member = MemberName(id);
            bool isStatic = !isInterface && (allStatic || IsStatic(id));
            string mods = (isInterface ? string.Empty : "public ") + (isStatic ? "static " : string.Empty);
            switch (id[0])
            {
                case 'F' when ConstantClasses.Contains(type):
                    s.Append("public const int @").Append(member).Append(" = ").Append(own.IndexOf(id)).AppendLine(";");
                    break;
                case 'F':
                    bool staticField = isInterface || (shapes.IsStatic(id) ?? true);
                    s.Append(isInterface ? string.Empty : staticField ? "public static readonly " : "public ").Append(TypeOf(id)).Append(" @").Append(member).AppendLine(";");
                    break;
                case 'E':
                {
                    string? add = own.FirstOrDefault(m => m.StartsWith("M:" + type + ".add_" + member + "(", StringComparison.Ordinal));
                    if (add != null)
                    {
                        s.Append(mods).Append("event ").Append(TypeName(Parameters(add)[0])).Append(" @").Append(member).AppendLine(";");
                    }

                    break;
                }

                case 'P':
                {
                    string? setter = own.FirstOrDefault(m => m.StartsWith("M:" + type + ".set_" + member, StringComparison.Ordinal));
                    bool getter = own.Any(m => m.StartsWith("M:" + type + ".get_" + member, StringComparison.Ordinal));
                    List<string> args = Parameters(id);
                    string propertyType = ReturnTypes.ContainsKey(id) || shapes.TypeOf(id) != null || setter == null ? TypeOf(id) : TypeName(Parameters(setter)[^1]);
                    string accessorsText = (getter ? "get" + body + " " : string.Empty) + (setter != null ? "set" + (isInterface ? ";" : " { }") : string.Empty);
                    if (member == "Item" && args.Count > 0)
                    {
                        s.Append(mods.Replace("static ", string.Empty)).Append(propertyType).Append(" this[").Append(ParameterList(id)).Append("] { ").Append(accessorsText).AppendLine(" }");
                    }
                    else
                    {
                        s.Append(mods).Append(propertyType).Append(" @").Append(member).Append(" { ").Append(accessorsText).AppendLine(" }");
                    }

                    break;
                }

                case 'M':
                    EmitMethod(s, type, name, id, own, accessors, isInterface, isStruct, mods, body);
                    break;
            }
        }

        foreach (string inner in nested)
        {
            EmitType(s, inner);
        }

        s.AppendLine("}");
    }

    private void EmitMethod(StringBuilder s, string type, string name, string id, List<string> own, HashSet<string> accessors, bool isInterface, bool isStruct, string mods, string body)
    {
        string member = MemberName(id);
        if (accessors.Contains(member) || member.IndexOf('#') > 0 || member == "#cctor" || member == "Finalize")
        {
            return;
        }

        if (member == "#ctor")
        {
            if (!(isStruct && Parameters(id).Count == 0) && !isInterface)
            {
                s.Append("public @").Append(name).Append('(').Append(ParameterList(id)).AppendLine(") { throw null; }");
            }

            return;
        }

        if (member is "op_Implicit" or "op_Explicit")
        {
            string target = id[(id.IndexOf('~') + 1)..];
            s.Append("public static ").Append(member == "op_Implicit" ? "implicit" : "explicit").Append(" operator ").Append(TypeName(target))
                .Append('(').Append(ParameterList(id)).AppendLine(") { throw null; }");
            return;
        }

        if (member is "op_Equality" or "op_Inequality")
        {
            string pair = id.Replace(member, member == "op_Equality" ? "op_Inequality" : "op_Equality");
            if (own.Contains(pair))
            {
                s.Append("public static bool operator ").Append(member == "op_Equality" ? "==" : "!=").Append('(').Append(ParameterList(id)).AppendLine(") { throw null; }");
            }

            return;
        }

        if (member.StartsWith("op_", StringComparison.Ordinal))
        {
            return;
        }

        bool isOverride = !isInterface && ((member == "ToString" || member == "GetHashCode") && Parameters(id).Count == 0
            || member == "Equals" && Parameters(id) is ["System.Object"]);
        string returnType = member switch
        {
            "ToString" when isOverride => "string",
            "GetHashCode" when isOverride => "int",
            "Equals" => "bool",
            "Dispose" => "void",
            _ => ReturnTypeOf(id, null),
        };
        s.Append(mods).Append(isOverride ? "override " : string.Empty).Append(returnType).Append(" @").Append(member)
            .Append('(').Append(ParameterList(id)).Append(')').AppendLine(body);
    }

    /// <summary>The table's type, else .NET's, else <paramref name="fallback"/>, else void for verbs and the unknown type for the rest.</summary>
    private string ReturnTypeOf(string id, string? fallback)
    {
        string? known = ReturnTypes.TryGetValue(id, out string? listed) ? listed : shapes.TypeOf(id) ?? fallback;
        return known != null ? TypeName(known) : VoidOrUnknown(id);
    }

    private string TypeOf(string id)
    {
        string? known = ReturnTypes.TryGetValue(id, out string? listed) ? listed : shapes.TypeOf(id);
        return known != null ? TypeName(known) : "global::" + UnknownType;
    }

    private bool IsStatic(string id) => StaticMembers.Contains(MemberPath(id)) || shapes.IsStatic(id) == true;

    /// <summary>Parameters as C#: <c>out</c>/<c>ref</c> and <c>params</c> as .NET declares them, else out for Try…, Get… and Deconstruct.</summary>
    private string ParameterList(string id)
    {
        string name = MemberName(id);
        IReadOnlyList<IParameterSymbol>? dotnet = shapes.ParametersOf(id);
        bool outs = name.StartsWith("Try", StringComparison.Ordinal) || name.StartsWith("Get", StringComparison.Ordinal) || name == "Deconstruct";
        return string.Join(", ", Parameters(id).Select((p, i) =>
        {
            IParameterSymbol? shape = dotnet != null && i < dotnet.Count ? dotnet[i] : null;
            if (p.EndsWith('@'))
            {
                bool isOut = shape != null ? shape.RefKind == RefKind.Out : outs;
                return (isOut ? "out " : "ref ") + TypeName(p[..^1]) + " p" + i;
            }

            return (shape?.IsParams == true ? "params " : string.Empty) + TypeName(p) + " p" + i;
        }));
    }
}
