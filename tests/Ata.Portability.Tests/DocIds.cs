using System.Text.RegularExpressions;

namespace Ata.Portability.Tests;

/// <summary>Small helpers over documentation-comment IDs (<c>M:System.String.Format(System.String,System.Object[])</c>).</summary>
public static partial class DocIds
{
    /// <summary>
    /// A short human form: <c>String.Format(String,Object[])</c>, <c>new ArrayList()</c>,
    /// <c>System.Collections.Generic.List`1</c>, <c>namespace System.Linq</c>.
    /// </summary>
    public static string Display(string id)
    {
        if (id.Length < 3 || id[1] != ':')
        {
            return id;
        }

        string body = id.Substring(2);
        switch (id[0])
        {
            case 'T':
                return body;
            case 'N':
                return "namespace " + body;
        }

        int open = body.IndexOf('(');
        int tilde = body.IndexOf('~');
        int nameEnd = open >= 0 ? open : tilde >= 0 ? tilde : body.Length;
        string qualified = body.Substring(0, nameEnd);
        string parameters = open >= 0 ? Unqualify(body.Substring(open, (tilde > open ? tilde : body.Length) - open)) : string.Empty;
        string conversion = tilde >= 0 ? " to " + Unqualify(body.Substring(tilde + 1)) : string.Empty;

        int dot = qualified.LastIndexOf('.');
        string typeName = dot < 0 ? string.Empty : qualified.Substring(0, dot);
        string member = qualified.Substring(dot + 1);
        string type = typeName.Substring(typeName.LastIndexOf('.') + 1);

        if (member == "#ctor")
        {
            return "new " + type + (parameters.Length == 0 ? "()" : parameters);
        }

        if (id[0] == 'M' && parameters.Length == 0)
        {
            parameters = "()";
        }

        return type + "." + member + parameters + conversion;
    }

    /// <summary>The <c>T:</c> ID of the type that declares the member <paramref name="id"/> (the ID itself for a type).</summary>
    public static string ContainingTypeId(string id)
    {
        if (id.StartsWith("T:", StringComparison.Ordinal) || id.Length < 3)
        {
            return id;
        }

        string body = id.Substring(2);
        int open = body.IndexOfAny(new[] { '(', '~' });
        string qualified = open >= 0 ? body.Substring(0, open) : body;
        int dot = qualified.LastIndexOf('.');
        return dot < 0 ? id : "T:" + qualified.Substring(0, dot);
    }

    private static string Unqualify(string text) => NamespaceQualifier().Replace(text, string.Empty);

    [GeneratedRegex(@"(?:[A-Za-z_][A-Za-z0-9_]*\.)+(?=[A-Za-z_])")]
    private static partial Regex NamespaceQualifier();
}
