using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Ata.Portability.Tests;

/// <summary>
/// Two patterns that compile and run on .NET but not on nanoFramework's interpreter (both found by
/// running the core on nanoCLR), reported as <see cref="Constructs.StaticInitializationOrder"/> and
/// <see cref="Constructs.FreshReferenceArray"/>.
/// </summary>
/// <remarks>
/// <para><b>Static initialization.</b> nanoCLR runs every static constructor at start-up, type after type,
/// not on first use as .NET does. A type's static initialization (its static field and property
/// initializers and its static constructor) may therefore run before another type's, and see that
/// type's static fields still null or zero. Refused: static initialization of a type T that uses
/// (reads or writes) a static field or static auto-property of another type U of the same program,
/// when U has static initialization of its own; directly, or through any chain of calls into the
/// program's own methods, property accessors and constructors (a constructor brings its type's
/// instance field initializers). Not refused: constants (<c>const</c>, enum members: the compiler
/// folds them), T's own statics (initialized in textual order, as on .NET), statics of a type without
/// static initialization (default values on both runtimes), statics of referenced assemblies
/// (mscorlib and the libraries start before the application), and what lambdas do (they run later).
/// Calls through interfaces, virtual calls to overriding bodies and delegates are not followed.
/// Fix: build the table on first use (a static method that fills a null field, or an instance field),
/// or keep it in the type that uses it.</para>
/// <para><b>Fresh arrays of references.</b> On nanoCLR the elements of a new <c>T[n]</c> of a reference
/// type are not real nulls until null is stored in them: comparing one crashed the runtime. Refused:
/// <c>new T[n]</c> of a reference type without an initializer, unless n is the constant 0, or every
/// element is obviously written before anything reads one:
/// <list type="bullet">
/// <item>it is the argument of <c>Arrays.StoreNulls(…)</c> (the core's helper, which stores null in each
/// element), or the core's <c>Arrays.Strings(n)</c>/<c>Arrays.Objects(n)</c> is used instead;</item>
/// <item>it is stored in a local or field by a statement whose next statement (after any other such
/// array creations) is <c>Arrays.StoreNulls(x);</c>, a <c>CopyTo(x, 0)</c> or <c>Array.Copy</c> into
/// <c>x</c> from its start, or a loop <c>for (int i = 0; i &lt; x.Length (or n); i++)</c> whose first
/// statement that mentions <c>x</c> is <c>x[i] = …;</c> (not reading <c>x</c>).</item>
/// </list>
/// Arrays of value types (numbers, enums, structs) are zeroed on both runtimes and not concerned.</para>
/// </remarks>
internal sealed class InterpreterHazards
{
    private const string NullStoringType = "Arrays";
    private const string NullStoringMethod = "StoreNulls";

    private readonly CSharpCompilation compilation;
    private readonly Action<string, string, Location> report;
    private readonly Dictionary<SyntaxTree, SemanticModel> models = new();
    private readonly Dictionary<INamedTypeSymbol, bool> hasStaticInitialization = new(SymbolEqualityComparer.Default);

    /// <summary>Checks <paramref name="compilation"/>; each hazard goes to <paramref name="report"/> (construct, detail, where).</summary>
    public InterpreterHazards(CSharpCompilation compilation, Action<string, string, Location> report)
    {
        this.compilation = compilation;
        this.report = report;
    }

    /// <summary>Runs both rules over every source type and tree.</summary>
    public void CheckAll(IEnumerable<INamedTypeSymbol> sourceTypes)
    {
        foreach (INamedTypeSymbol type in sourceTypes)
        {
            StaticInitialization(type);
        }

        foreach (SyntaxTree tree in compilation.SyntaxTrees)
        {
            foreach (ArrayCreationExpressionSyntax creation in tree.GetRoot().DescendantNodes().OfType<ArrayCreationExpressionSyntax>())
            {
                FreshArray(creation);
            }
        }
    }

    // ---- static initialization ------------------------------------------------------------------

    private void StaticInitialization(INamedTypeSymbol type)
    {
        foreach (SyntaxNode root in StaticInitializers(type))
        {
            IOperation? operation = Model(root).GetOperation(root);
            if (operation == null)
            {
                continue;
            }

            string? hazard = FirstForeignStatic(operation, type, new HashSet<ISymbol>(SymbolEqualityComparer.Default), string.Empty);
            if (hazard != null)
            {
                report(Constructs.StaticInitializationOrder, type.Name + "'s static initialization " + hazard, root.GetLocation());
            }
        }
    }

    /// <summary>Static field and property initializers and static constructor bodies, each a root of its own.</summary>
    private static IEnumerable<SyntaxNode> StaticInitializers(INamedTypeSymbol type)
    {
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is not TypeDeclarationSyntax declaration)
            {
                continue;
            }

            foreach (MemberDeclarationSyntax member in declaration.Members)
            {
                switch (member)
                {
                    case FieldDeclarationSyntax field when field.Modifiers.Any(SyntaxKind.StaticKeyword) && !field.Modifiers.Any(SyntaxKind.ConstKeyword):
                        foreach (VariableDeclaratorSyntax variable in field.Declaration.Variables.Where(v => v.Initializer != null))
                        {
                            yield return variable.Initializer!;
                        }

                        break;
                    case PropertyDeclarationSyntax property when property.Modifiers.Any(SyntaxKind.StaticKeyword) && property.Initializer != null:
                        yield return property.Initializer;
                        break;
                    case ConstructorDeclarationSyntax constructor when constructor.Modifiers.Any(SyntaxKind.StaticKeyword):
                        yield return constructor;
                        break;
                }
            }
        }
    }

    /// <summary>The first use of another initialized type's statics under <paramref name="operation"/>, described; null when none.</summary>
    private string? FirstForeignStatic(IOperation operation, INamedTypeSymbol initializing, HashSet<ISymbol> followed, string via)
    {
        switch (operation)
        {
            case IAnonymousFunctionOperation:
            case ILocalFunctionOperation:
            case IDelegateCreationOperation:
                return null;
            case IFieldReferenceOperation { Field: { IsStatic: true, IsConst: false } field }
                when IsForeignInitialized(field.ContainingType, initializing):
                return "uses " + field.ContainingType.Name + "." + field.Name + via;
            case IPropertyReferenceOperation { Property: { IsStatic: true } property }
                when IsForeignInitialized(property.ContainingType, initializing) && IsAutoProperty(property):
                return "uses " + property.ContainingType.Name + "." + property.Name + via;
        }

        IMethodSymbol? callee = operation switch
        {
            IInvocationOperation invocation => invocation.TargetMethod,
            IObjectCreationOperation creation => creation.Constructor,
            IPropertyReferenceOperation property => property.Property.GetMethod ?? property.Property.SetMethod,
            _ => null,
        };
        if (callee != null && IsSource(callee) && followed.Add(callee.OriginalDefinition))
        {
            string through = " (through " + callee.ContainingType.Name + "." + (callee.MethodKind == MethodKind.Constructor ? "ctor" : callee.Name) + via + ")";
            foreach (IOperation body in Bodies(callee.OriginalDefinition))
            {
                string? found = FirstForeignStatic(body, initializing, followed, through);
                if (found != null)
                {
                    return found;
                }
            }
        }

        foreach (IOperation child in operation.ChildOperations)
        {
            string? found = FirstForeignStatic(child, initializing, followed, via);
            if (found != null)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>The operations a call runs: the body, and for a constructor its type's instance field initializers.</summary>
    private IEnumerable<IOperation> Bodies(IMethodSymbol method)
    {
        foreach (SyntaxReference reference in method.DeclaringSyntaxReferences)
        {
            SyntaxNode syntax = reference.GetSyntax();
            if (Model(syntax).GetOperation(syntax) is { } body)
            {
                yield return body;
            }
        }

        if (method.MethodKind != MethodKind.Constructor)
        {
            yield break;
        }

        foreach (SyntaxReference reference in method.ContainingType.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is not TypeDeclarationSyntax declaration)
            {
                continue;
            }

            foreach (FieldDeclarationSyntax field in declaration.Members.OfType<FieldDeclarationSyntax>().Where(f => !f.Modifiers.Any(SyntaxKind.StaticKeyword)))
            {
                foreach (VariableDeclaratorSyntax variable in field.Declaration.Variables.Where(v => v.Initializer != null))
                {
                    if (Model(variable).GetOperation(variable.Initializer!) is { } initializer)
                    {
                        yield return initializer;
                    }
                }
            }
        }
    }

    private bool IsForeignInitialized(INamedTypeSymbol owner, INamedTypeSymbol initializing) =>
        IsSource(owner) && !SymbolEqualityComparer.Default.Equals(owner.OriginalDefinition, initializing.OriginalDefinition) && HasStaticInitialization(owner);

    private bool HasStaticInitialization(INamedTypeSymbol type)
    {
        if (!hasStaticInitialization.TryGetValue(type, out bool has))
        {
            has = StaticInitializers(type).Any();
            hasStaticInitialization[type] = has;
        }

        return has;
    }

    private static bool IsAutoProperty(IPropertySymbol property) =>
        property.GetMethod?.DeclaringSyntaxReferences.All(r => r.GetSyntax() is AccessorDeclarationSyntax { Body: null, ExpressionBody: null }) == true
        && property.DeclaringSyntaxReferences.All(r => r.GetSyntax() is PropertyDeclarationSyntax { ExpressionBody: null });

    // ---- fresh arrays of references ------------------------------------------------------------

    private void FreshArray(ArrayCreationExpressionSyntax creation)
    {
        SemanticModel model = Model(creation);
        if (creation.Initializer != null || model.GetTypeInfo(creation).Type is not IArrayTypeSymbol { ElementType.IsReferenceType: true } array)
        {
            return;
        }

        ExpressionSyntax size = creation.Type.RankSpecifiers[0].Sizes[0];
        if (model.GetConstantValue(size) is { HasValue: true, Value: 0 } || IsNullStoringArgument(creation, model))
        {
            return;
        }

        ISymbol? target = AssignedTo(creation, model, out StatementSyntax? statement);
        if (target != null && statement?.Parent is BlockSyntax block && FilledNext(block, statement, target, size, model))
        {
            return;
        }

        report(Constructs.FreshReferenceArray, "new " + array.ElementType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + "[" + size + "]", creation.GetLocation());
    }

    private static bool IsNullStoringArgument(ExpressionSyntax expression, SemanticModel model)
    {
        SyntaxNode? parent = expression.Parent;
        while (parent is ParenthesizedExpressionSyntax or CastExpressionSyntax)
        {
            parent = parent.Parent;
        }

        return parent is ArgumentSyntax { Parent.Parent: InvocationExpressionSyntax invocation } && IsNullStoring(invocation, model);
    }

    private static bool IsNullStoring(InvocationExpressionSyntax invocation, SemanticModel model) =>
        model.GetSymbolInfo(invocation).Symbol is IMethodSymbol { Name: NullStoringMethod, ContainingType.Name: NullStoringType };

    /// <summary>The local or field <paramref name="creation"/> is stored in by a declaration or assignment statement, and that statement.</summary>
    private static ISymbol? AssignedTo(ArrayCreationExpressionSyntax creation, SemanticModel model, out StatementSyntax? statement)
    {
        statement = null;
        switch (creation.Parent)
        {
            case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax variable } when variable.Parent?.Parent is LocalDeclarationStatementSyntax local:
                statement = local;
                return model.GetDeclaredSymbol(variable);
            case AssignmentExpressionSyntax { Parent: ExpressionStatementSyntax expression } assignment when assignment.IsKind(SyntaxKind.SimpleAssignmentExpression):
                statement = expression;
                return model.GetSymbolInfo(assignment.Left).Symbol is { } symbol and (ILocalSymbol or IFieldSymbol) ? symbol : null;
            default:
                return null;
        }
    }

    /// <summary>Whether the statements after <paramref name="statement"/>, past other array creations, fill <paramref name="target"/>.</summary>
    private static bool FilledNext(BlockSyntax block, StatementSyntax statement, ISymbol target, ExpressionSyntax size, SemanticModel model)
    {
        int index = block.Statements.IndexOf(statement) + 1;
        while (index < block.Statements.Count && IsArrayCreationStatement(block.Statements[index]) && !Mentions(block.Statements[index], target, model))
        {
            index++;
        }

        if (index >= block.Statements.Count)
        {
            return false;
        }

        switch (block.Statements[index])
        {
            case ExpressionStatementSyntax { Expression: InvocationExpressionSyntax invocation }:
                return Fills(invocation, target, model);
            case ForStatementSyntax loop:
                return FillsEachElement(loop, target, size, model);
            default:
                return false;
        }
    }

    private static bool IsArrayCreationStatement(StatementSyntax statement) => statement switch
    {
        LocalDeclarationStatementSyntax local => local.Declaration.Variables.All(v => v.Initializer?.Value is ArrayCreationExpressionSyntax),
        ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { Right: ArrayCreationExpressionSyntax } } => true,
        _ => false,
    };

    /// <summary><c>Arrays.StoreNulls(x)</c>, <c>source.CopyTo(x, 0)</c>, <c>Array.Copy(source, x, n)</c> or <c>Array.Copy(source, 0, x, 0, n)</c>.</summary>
    private static bool Fills(InvocationExpressionSyntax invocation, ISymbol target, SemanticModel model)
    {
        SeparatedSyntaxList<ArgumentSyntax> args = invocation.ArgumentList.Arguments;
        bool Is(int i, ISymbol symbol) => i < args.Count && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(args[i].Expression).Symbol, symbol);
        bool Zero(int i) => i < args.Count && model.GetConstantValue(args[i].Expression) is { HasValue: true, Value: 0 };
        if (model.GetSymbolInfo(invocation).Symbol is not IMethodSymbol method)
        {
            return false;
        }

        return method.Name switch
        {
            NullStoringMethod => method.ContainingType.Name == NullStoringType && args.Count == 1 && Is(0, target),
            "CopyTo" => args.Count == 2 && Is(0, target) && Zero(1),
            "Copy" when method.ContainingType.SpecialType == SpecialType.System_Array => args.Count == 3 ? Is(1, target) : Is(2, target) && Zero(1) && Zero(3),
            _ => false,
        };
    }

    /// <summary><c>for (int i = 0; i &lt; x.Length or n; i++)</c> whose first statement mentioning x is <c>x[i] = …;</c> not reading x.</summary>
    private static bool FillsEachElement(ForStatementSyntax loop, ISymbol target, ExpressionSyntax size, SemanticModel model)
    {
        if (loop.Declaration?.Variables is not [{ Initializer.Value: var start } counter]
            || model.GetConstantValue(start) is not { HasValue: true, Value: 0 }
            || loop.Condition is not BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LessThanExpression } condition
            || !IsName(condition.Left, counter.Identifier.ValueText)
            || !(Normalized(condition.Right) == Normalized(size) || IsLengthOf(condition.Right, target, model))
            || loop.Incrementors is not [var step] || !IsIncrementOf(step, counter.Identifier.ValueText))
        {
            return false;
        }

        List<StatementSyntax> body = loop.Statement is BlockSyntax block ? block.Statements.ToList() : new List<StatementSyntax> { loop.Statement };
        int at = body.FindIndex(s => Mentions(s, target, model));
        StatementSyntax? first = at < 0 ? null : body[at];
        return first is ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } assignment }
            && assignment.Left is ElementAccessExpressionSyntax { ArgumentList.Arguments: [var index] } element
            && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(element.Expression).Symbol, target)
            && IsName(index.Expression, counter.Identifier.ValueText)
            && !Mentions(assignment.Right, target, model)
            && !body.Take(at).Any(LeavesIteration);
    }

    /// <summary>A statement before the write that may skip it: <c>continue</c>, <c>break</c>, <c>return</c>, <c>throw</c>, <c>goto</c>.</summary>
    private static bool LeavesIteration(StatementSyntax statement) =>
        statement.DescendantNodesAndSelf().Any(n => n is ContinueStatementSyntax or BreakStatementSyntax or ReturnStatementSyntax or ThrowStatementSyntax or GotoStatementSyntax);

    private static bool IsLengthOf(ExpressionSyntax expression, ISymbol target, SemanticModel model) =>
        expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Length" } access
        && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(access.Expression).Symbol, target);

    private static bool IsIncrementOf(ExpressionSyntax step, string name) => step switch
    {
        PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression } post => IsName(post.Operand, name),
        PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression } pre => IsName(pre.Operand, name),
        _ => false,
    };

    private static bool IsName(ExpressionSyntax expression, string name) => expression is IdentifierNameSyntax { Identifier.ValueText: var text } && text == name;

    private static bool Mentions(SyntaxNode node, ISymbol target, SemanticModel model) =>
        node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
            .Any(name => name.Identifier.ValueText == target.Name && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name).Symbol, target));

    private static string Normalized(SyntaxNode node) => string.Concat(node.DescendantTokens().Select(t => t.ValueText));

    // ---- helpers -------------------------------------------------------------------------------

    private bool IsSource(ISymbol symbol) => SymbolEqualityComparer.Default.Equals(symbol.ContainingAssembly, compilation.Assembly);

    private SemanticModel Model(SyntaxNode node)
    {
        if (!models.TryGetValue(node.SyntaxTree, out SemanticModel? model))
        {
            model = compilation.GetSemanticModel(node.SyntaxTree);
            models[node.SyntaxTree] = model;
        }

        return model;
    }
}
