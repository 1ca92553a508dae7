using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Operations;

namespace Ata.Portability.Tests;

/// <summary>
/// Checks that C# sources only use what .NET nanoFramework 1.x has: every type, member and namespace
/// they reference outside themselves must be in the <see cref="NanoFrameworkApi"/> listing (by exact
/// documentation-comment ID, so by exact overload), and they must not use constructs nanoFramework 1.x
/// cannot run (see <see cref="Constructs"/>). The sources are compiled and emitted with their
/// <see cref="BuildSettings"/> (for the core and the device: as <c>Ata.Device.nfproj</c> builds, against the
/// real mscorlib) and every error the compiler reports, warnings made errors included, is a finding too.
/// Two patterns that nanoFramework's interpreter runs differently from .NET are refused as well
/// (<see cref="InterpreterHazards"/>).
/// </summary>
/// <remarks>
/// <para>What counts as a use: every symbol a syntax node binds to (names, member accesses, invocations,
/// object creations, indexers, attributes, constructor initializers, types in declarations, casts,
/// <c>typeof</c>, <c>nameof</c>, <c>using</c> directives), every symbol in the operation trees (implicit
/// base constructor calls, collection-initializer <c>Add</c>, user-defined conversions, property and event
/// accessors by how they are used), what declarations imply (base types, implemented interface members,
/// overridden members, implicit constructors' base calls, member signatures including the members the
/// compiler synthesizes for delegates), and what the compiler lowers constructs to on nanoFramework:
/// string <c>+</c> to <c>String.Concat</c> and <c>ToString</c>, interpolated strings to
/// <c>String.Format(String,Object[])</c>, <c>foreach</c> to GetEnumerator/MoveNext/Current/Dispose,
/// <c>lock</c> to <c>Monitor</c>, <c>using</c> to <c>IDisposable.Dispose</c>, delegate <c>+</c>/<c>-</c> and
/// field-like events to <c>Delegate.Combine</c>/<c>Remove</c>, <c>typeof</c> to
/// <c>Type.GetTypeFromHandle</c>, string <c>switch</c> to <c>String.op_Equality</c>.</para>
/// <para>Strict by default. The few places where .NET and nanoFramework legitimately differ without
/// any effect at run time are normalized, each documented where it is applied:
/// <list type="bullet">
/// <item>built-in operators on primitives, enums and references are IL instructions, not calls;</item>
/// <item>an override is accepted when the member it overrides is listed (the nanoFramework compiler
/// binds the same virtual call to the base declaration);</item>
/// <item>a .NET property that nanoFramework declares as a public field of the same name, or the reverse
/// (<c>DictionaryEntry.Key</c>), is accepted: the source compiles against either;</item>
/// <item><c>foreach</c> over a string or a single-dimensional array compiles to an index loop;</item>
/// <item><c>lock</c> accepts either <c>Monitor.Enter</c> overload (the compiler picks what exists);</item>
/// <item>string concatenation and interpolation are modelled as nanoFramework's compiler lowers them,
/// since the .NET binding (built-in <c>op_Addition</c>) is not a real member anywhere;</item>
/// <item>destructors do not need <c>Object.Finalize</c>; compiler-synthesized optional attributes and
/// helpers (CompilerGenerated, RuntimeHelpers.InitializeArray, Interlocked.CompareExchange&lt;T&gt; in
/// event accessors, Array.Empty&lt;T&gt;) are not required because the compiler falls back without them;</item>
/// <item>XML documentation comments (<c>cref</c>) are not checked: they do not affect compilation.</item>
/// </list></para>
/// </remarks>
public sealed class PortabilityChecker
{
    private const string StringConcat2 = "M:System.String.Concat(System.String,System.String)";
    private const string StringConcat3 = "M:System.String.Concat(System.String,System.String,System.String)";
    private const string StringConcat4 = "M:System.String.Concat(System.String,System.String,System.String,System.String)";
    private const string StringConcatArray = "M:System.String.Concat(System.String[])";
    private const string StringFormatArray = "M:System.String.Format(System.String,System.Object[])";
    private const string StringEquality = "M:System.String.op_Equality(System.String,System.String)";
    private const string StringInequality = "M:System.String.op_Inequality(System.String,System.String)";
    private const string StringLength = "M:System.String.get_Length";
    private const string StringChars = "M:System.String.get_Chars(System.Int32)";
    private const string ObjectToString = "M:System.Object.ToString";
    private const string DelegateCombine = "M:System.Delegate.Combine(System.Delegate,System.Delegate)";
    private const string DelegateRemove = "M:System.Delegate.Remove(System.Delegate,System.Delegate)";
    private const string DelegateEquality = "M:System.Delegate.op_Equality(System.Delegate,System.Delegate)";
    private const string DelegateInequality = "M:System.Delegate.op_Inequality(System.Delegate,System.Delegate)";
    private const string MonitorEnterWithFlag = "M:System.Threading.Monitor.Enter(System.Object,System.Boolean@)";
    private const string MonitorEnter = "M:System.Threading.Monitor.Enter(System.Object)";
    private const string MonitorExit = "M:System.Threading.Monitor.Exit(System.Object)";
    private const string DisposableType = "T:System.IDisposable";
    private const string DisposableDispose = "M:System.IDisposable.Dispose";
    private const string TypeFromHandle = "M:System.Type.GetTypeFromHandle(System.RuntimeTypeHandle)";
    private const string ParamArrayCtor = "M:System.ParamArrayAttribute.#ctor";
    private const string ExtensionCtor = "M:System.Runtime.CompilerServices.ExtensionAttribute.#ctor";
    private const string DefaultMemberCtor = "M:System.Reflection.DefaultMemberAttribute.#ctor(System.String)";
    private const string InAttributeType = "T:System.Runtime.InteropServices.InAttribute";

    /// <summary>Creates a checker against one API listing.</summary>
    public PortabilityChecker(NanoFrameworkApi api)
    {
        Api = api;
    }

    /// <summary>The nanoFramework API listing symbols are checked against.</summary>
    public NanoFrameworkApi Api { get; }

    /// <summary>Compiles <paramref name="sources"/> and reports everything that would not build or run on nanoFramework 1.x.</summary>
    public PortabilityReport Check(PortabilitySources sources)
    {
        CSharpCompilation compilation = CSharpCompilation.Create(
            sources.Settings.AssemblyName,
            sources.Trees,
            sources.References,
            sources.Settings.CompilationOptions);
        var run = new Run(Api, compilation, sources.Settings);
        run.CheckAll();
        return new PortabilityReport(sources.Name, Api, run.Findings, run.UsedAssemblies, run.CheckedIds, run.CheckedUses);
    }

    [Flags]
    private enum Access
    {
        None = 0,
        Get = 1,
        Set = 2,
        Add = 4,
        Remove = 8,
    }

    /// <summary>One check of one compilation: collects findings, deduplicated per subject and line.</summary>
    private sealed class Run
    {
        private readonly NanoFrameworkApi api;
        private readonly CSharpCompilation compilation;
        private readonly BuildSettings settings;
        private readonly Dictionary<(FindingKind, string, string, int), PortabilityFinding> findings = new();
        private readonly HashSet<(string, string, int)> uses = new();
        private readonly HashSet<string> usedAssemblies = new(StringComparer.Ordinal);
        private SemanticModel? model;

        public Run(NanoFrameworkApi api, CSharpCompilation compilation, BuildSettings settings)
        {
            this.api = api;
            this.compilation = compilation;
            this.settings = settings;
        }

        public IEnumerable<PortabilityFinding> Findings => findings.Values;

        public IEnumerable<string> UsedAssemblies => usedAssemblies;

        public int CheckedUses => uses.Count;

        public IEnumerable<string> CheckedIds => uses.Select(use => use.Item1);

        private SemanticModel Model => model ?? throw new InvalidOperationException("No syntax tree is being walked.");

        public void CheckAll()
        {
            // Emitted as the build does (with the documentation file when the project writes one), so that
            // what only emitting reports (documentation comments, members the compiler needs) is seen too.
            using var image = new MemoryStream();
            using var documentation = new MemoryStream();
            EmitResult emitted = compilation.Emit(image, xmlDocumentationStream: settings.DocumentationFile != null ? documentation : null);
            foreach (Diagnostic diagnostic in emitted.Diagnostics)
            {
                if (diagnostic.Severity == DiagnosticSeverity.Error)
                {
                    Add(FindingKind.CompilationError, diagnostic.Id, diagnostic.GetMessage(CultureInfo.InvariantCulture), diagnostic.Location);
                }
            }

            foreach (SyntaxTree tree in compilation.SyntaxTrees)
            {
                model = compilation.GetSemanticModel(tree);
                SyntaxNode root = tree.GetRoot();
                foreach (SyntaxToken token in root.DescendantTokens())
                {
                    ConstructToken(token);
                }

                foreach (SyntaxNode node in root.DescendantNodesAndSelf())
                {
                    ConstructSyntax(node);
                    BoundSymbols(node);
                    Lowerings(node);
                    OperationTree(node);
                }
            }

            foreach (INamedTypeSymbol type in SourceTypes(compilation.Assembly.GlobalNamespace))
            {
                model = null;
                Declaration(type);
            }

            new InterpreterHazards(compilation, (construct, detail, location) => Construct(construct, location, detail))
                .CheckAll(SourceTypes(compilation.Assembly.GlobalNamespace));
        }

        // ---- constructs found in the syntax ------------------------------------------------------

        private void ConstructToken(SyntaxToken token)
        {
            SyntaxNode? parent = token.Parent;
            if (parent == null)
            {
                return;
            }

            switch (token.Kind())
            {
                case SyntaxKind.AsyncKeyword:
                    Construct(Constructs.Async, token.GetLocation(), Snippet(parent));
                    break;
                case SyntaxKind.UnsafeKeyword:
                case SyntaxKind.FixedKeyword:
                    Construct(Constructs.Unsafe, token.GetLocation(), Snippet(parent));
                    break;
                case SyntaxKind.StackAllocKeyword:
                    Construct(Constructs.StackallocSpan, token.GetLocation(), Snippet(parent));
                    break;
                case SyntaxKind.YieldKeyword:
                    Construct(Constructs.Iterators, token.GetLocation(), Snippet(parent));
                    break;
            }
        }

        private void ConstructSyntax(SyntaxNode node)
        {
            switch (node)
            {
                case TypeParameterListSyntax list:
                    Construct(Constructs.Generics, node.GetLocation(), "declares " + DeclaredName(list.Parent) + list);
                    break;
                case QueryExpressionSyntax:
                    Construct(Constructs.Linq, node.GetLocation(), Snippet(node));
                    break;
                case RecordDeclarationSyntax:
                    Construct(Constructs.Records, node.GetLocation(), Snippet(node));
                    break;

                // Under C# 7.3 `record R(...)` parses as a member or local function whose type is an unknown `record`.
                case IdentifierNameSyntax { Identifier.ValueText: "record" } name
                    when (name.Parent is MemberDeclarationSyntax || name.Parent is LocalFunctionStatementSyntax)
                        && Model.GetSymbolInfo(name).Symbol == null:
                    Construct(Constructs.Records, node.GetLocation(), Snippet(name.Parent));
                    break;
                case TupleTypeSyntax:
                case TupleExpressionSyntax:
                case ParenthesizedVariableDesignationSyntax:
                    Construct(Constructs.Tuples, node.GetLocation(), Snippet(node));
                    break;
                case NullableTypeSyntax nullable:
                    ITypeSymbol? type = Model.GetTypeInfo(nullable).Type;
                    Construct(
                        type == null || type.IsValueType ? Constructs.NullableValueTypes : Constructs.NullableAnnotations,
                        node.GetLocation(),
                        Snippet(node));
                    break;
                case AwaitExpressionSyntax:
                    Construct(Constructs.Async, node.GetLocation(), Snippet(node));
                    break;
                case PointerTypeSyntax:
                case FunctionPointerTypeSyntax:
                    Construct(Constructs.Unsafe, node.GetLocation(), Snippet(node));
                    break;
                case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.AddressOfExpression) || unary.IsKind(SyntaxKind.PointerIndirectionExpression):
                    Construct(Constructs.Unsafe, node.GetLocation(), Snippet(node));
                    break;
                case MemberAccessExpressionSyntax access when access.IsKind(SyntaxKind.PointerMemberAccessExpression):
                    Construct(Constructs.Unsafe, node.GetLocation(), Snippet(node));
                    break;
                case StructDeclarationSyntax structure when structure.Modifiers.Any(SyntaxKind.RefKeyword):
                    Construct(Constructs.StackallocSpan, node.GetLocation(), "ref struct " + structure.Identifier.Text);
                    break;
                case AnonymousObjectCreationExpressionSyntax:
                    Construct(Constructs.AnonymousTypes, node.GetLocation(), Snippet(node));
                    break;
                case ArrayRankSpecifierSyntax rank when rank.Rank > 1:
                    Construct(Constructs.MultidimensionalArrays, node.GetLocation(), Snippet(node.Parent ?? node));
                    break;
                case UsingDirectiveSyntax directive:
                    UsingDirective(directive);
                    break;
            }
        }

        private void UsingDirective(UsingDirectiveSyntax directive)
        {
            if (!(Model.GetSymbolInfo(directive.NamespaceOrType).Symbol is INamespaceSymbol ns))
            {
                return;
            }

            string name = ns.ToDisplayString();
            if (name == "System.Linq" || name.StartsWith("System.Linq.", StringComparison.Ordinal))
            {
                Construct(Constructs.Linq, directive.GetLocation(), directive.ToString().Trim());
                return;
            }

            if (ns.ConstituentNamespaces.Any(part => SymbolEqualityComparer.Default.Equals(part.ContainingAssembly, compilation.Assembly)))
            {
                return;
            }

            string id = "N:" + name;
            Location location = directive.GetLocation();
            Used(id, location);
            if (!api.HasNamespace(name))
            {
                Add(FindingKind.MissingApi, id, directive.ToString().Trim(), location);
            }
        }

        // ---- symbols bound by syntax nodes --------------------------------------------------------

        private void BoundSymbols(SyntaxNode node)
        {
            if (!(node is ExpressionSyntax || node is AttributeSyntax || node is ConstructorInitializerSyntax))
            {
                return;
            }

            ISymbol? symbol = Model.GetSymbolInfo(node).Symbol;
            if (symbol is IMethodSymbol { MethodKind: MethodKind.BuiltinOperator } op)
            {
                BuiltinOperator(node, op);
            }
            else if (symbol != null)
            {
                Use(symbol, node.GetLocation(), Snippet(node), Access.None);
            }
        }

        /// <summary>
        /// Built-in operators on primitives, enums, bools and references are IL instructions and need
        /// nothing (normalization: .NET's binding reports them as synthesized <c>op_*</c> methods that do not
        /// exist as members anywhere). Those on strings and delegates compile to calls, required here.
        /// </summary>
        private void BuiltinOperator(SyntaxNode node, IMethodSymbol op)
        {
            Location location = node.GetLocation();
            string snippet = Snippet(node);
            if (op.ContainingType.SpecialType == SpecialType.System_String)
            {
                switch (op.Name)
                {
                    case WellKnownMemberNames.AdditionOperatorName:
                        StringConcatenation(node);
                        break;
                    case WellKnownMemberNames.EqualityOperatorName:
                        Require(StringEquality, location, snippet);
                        break;
                    case WellKnownMemberNames.InequalityOperatorName:
                        Require(StringInequality, location, snippet);
                        break;
                }
            }
            else if (op.ContainingType.TypeKind == TypeKind.Delegate)
            {
                switch (op.Name)
                {
                    case WellKnownMemberNames.AdditionOperatorName:
                        Require(DelegateCombine, location, snippet);
                        break;
                    case WellKnownMemberNames.SubtractionOperatorName:
                        Require(DelegateRemove, location, snippet);
                        break;
                    case WellKnownMemberNames.EqualityOperatorName:
                        Require(DelegateEquality, location, snippet);
                        break;
                    case WellKnownMemberNames.InequalityOperatorName:
                        Require(DelegateInequality, location, snippet);
                        break;
                }
            }
        }

        /// <summary>
        /// A chain of string <c>+</c> (or <c>+=</c>) is lowered as one call: adjacent constant strings and
        /// chars are folded and empty ones dropped, each other non-string operand becomes
        /// <c>x.ToString()</c> (the type's own override for special value types such as Int32, else
        /// <c>Object.ToString</c>), then 2, 3 or 4 parts call <c>String.Concat(String,...)</c> and more call
        /// <c>String.Concat(String[])</c>. That is what the compiler emits against nanoFramework's mscorlib,
        /// which has none of the Span-based overloads .NET's compiler would prefer.
        /// </summary>
        private void StringConcatenation(SyntaxNode node)
        {
            IEnumerable<ExpressionSyntax> operands;
            if (node is BinaryExpressionSyntax binary)
            {
                if (IsInnerConcatenation(binary))
                {
                    return;
                }

                operands = Flatten(binary);
            }
            else if (node is AssignmentExpressionSyntax assignment)
            {
                operands = new[] { assignment.Left }.Concat(Flatten(assignment.Right));
            }
            else
            {
                return;
            }

            Location location = node.GetLocation();
            string snippet = Snippet(node);
            int parts = 0;
            bool previousWasConstant = false;
            foreach (ExpressionSyntax operand in operands)
            {
                Optional<object?> constant = Model.GetConstantValue(operand);
                if (constant.HasValue && (constant.Value == null || constant.Value is string || constant.Value is char))
                {
                    if (!previousWasConstant && Convert.ToString(constant.Value, CultureInfo.InvariantCulture)!.Length > 0)
                    {
                        parts++;
                        previousWasConstant = true;
                    }

                    continue;
                }

                previousWasConstant = false;
                parts++;
                ToStringOf(Model.GetTypeInfo(operand).Type, operand.GetLocation(), snippet);
            }

            switch (parts)
            {
                case 0:
                case 1:
                    break;
                case 2:
                    Require(StringConcat2, location, snippet);
                    break;
                case 3:
                    Require(StringConcat3, location, snippet);
                    break;
                case 4:
                    Require(StringConcat4, location, snippet);
                    break;
                default:
                    Require(StringConcatArray, location, snippet);
                    break;
            }
        }

        private void ToStringOf(ITypeSymbol? type, Location location, string snippet)
        {
            if (type == null || type.SpecialType == SpecialType.System_String)
            {
                return;
            }

            if (type.IsValueType && type.SpecialType != SpecialType.None)
            {
                IMethodSymbol? own = type.GetMembers(WellKnownMemberNames.ObjectToString).OfType<IMethodSymbol>()
                    .FirstOrDefault(m => !m.IsStatic && m.Parameters.Length == 0);
                if (own != null)
                {
                    UseMethod(own, location, snippet);
                    return;
                }
            }

            Require(ObjectToString, location, snippet);
        }

        private bool IsStringConcatenation(SyntaxNode node) =>
            Model.GetSymbolInfo(node).Symbol is IMethodSymbol { MethodKind: MethodKind.BuiltinOperator, Name: WellKnownMemberNames.AdditionOperatorName } op
            && op.ContainingType.SpecialType == SpecialType.System_String;

        private bool IsInnerConcatenation(BinaryExpressionSyntax binary)
        {
            SyntaxNode? parent = binary.Parent;
            while (parent is ParenthesizedExpressionSyntax)
            {
                parent = parent.Parent;
            }

            return parent switch
            {
                BinaryExpressionSyntax outer => outer.IsKind(SyntaxKind.AddExpression) && IsStringConcatenation(outer),
                AssignmentExpressionSyntax assignment => assignment.IsKind(SyntaxKind.AddAssignmentExpression)
                    && Unparenthesize(assignment.Right) == binary && IsStringConcatenation(assignment),
                _ => false,
            };
        }

        private IEnumerable<ExpressionSyntax> Flatten(ExpressionSyntax expression)
        {
            ExpressionSyntax inner = Unparenthesize(expression);
            if (inner is BinaryExpressionSyntax add && add.IsKind(SyntaxKind.AddExpression) && IsStringConcatenation(add))
            {
                return Flatten(add.Left).Concat(Flatten(add.Right)).ToList();
            }

            return new[] { inner };
        }

        private static ExpressionSyntax Unparenthesize(ExpressionSyntax expression)
        {
            while (expression is ParenthesizedExpressionSyntax parenthesized)
            {
                expression = parenthesized.Expression;
            }

            return expression;
        }

        // ---- what statements and expressions lower to ---------------------------------------------

        private void Lowerings(SyntaxNode node)
        {
            Location location = node.GetLocation();
            switch (node)
            {
                case CommonForEachStatementSyntax forEach:
                    ForEach(forEach);
                    break;

                // Normalization: the compiler uses Monitor.Enter(Object, ref Boolean) when it exists and
                // falls back to Monitor.Enter(Object), which is all nanoFramework has.
                case LockStatementSyntax:
                    RequireAny(new[] { MonitorEnterWithFlag, MonitorEnter }, location, "lock");
                    Require(MonitorExit, location, "lock");
                    break;
                case UsingStatementSyntax:
                    Require(DisposableType, location, "using");
                    Require(DisposableDispose, location, "using");
                    break;
                case TypeOfExpressionSyntax:
                    Require(TypeFromHandle, location, Snippet(node));
                    break;
                case InterpolatedStringExpressionSyntax interpolated:
                    Interpolation(interpolated);
                    break;
                case SwitchStatementSyntax switchStatement when Model.GetTypeInfo(switchStatement.Expression).Type?.SpecialType == SpecialType.System_String:
                    Require(StringEquality, location, "switch on a string");

                    // From 7 cases on the compiler dispatches on a hash or the length and a char of the string.
                    if (switchStatement.Sections.Sum(s => s.Labels.Count) >= 7)
                    {
                        Require(StringLength, location, "switch on a string");
                        Require(StringChars, location, "switch on a string");
                    }

                    break;
                case ConstantPatternSyntax pattern when Model.GetTypeInfo(pattern.Expression).Type?.SpecialType == SpecialType.System_String:
                    Require(StringEquality, location, Snippet(node));
                    break;
            }
        }

        /// <summary>
        /// Normalization: <c>foreach</c> over a string or a single-dimensional array compiles to an index
        /// loop (<c>Length</c> and the indexer for strings, IL for arrays), not to the enumerator .NET's
        /// binding reports. Anything else uses the enumerator pattern the compiler bound.
        /// </summary>
        private void ForEach(CommonForEachStatementSyntax forEach)
        {
            Location location = forEach.Expression.GetLocation();
            string snippet = "foreach over " + Snippet(forEach.Expression);
            ITypeSymbol? collection = Model.GetTypeInfo(forEach.Expression).Type;
            if (collection is IArrayTypeSymbol { Rank: 1 })
            {
                return;
            }

            if (collection?.SpecialType == SpecialType.System_String)
            {
                Require(StringLength, location, snippet);
                Require(StringChars, location, snippet);
                return;
            }

            ForEachStatementInfo info = Model.GetForEachStatementInfo(forEach);
            UseMethod(info.GetEnumeratorMethod, location, snippet);
            UseMethod(info.MoveNextMethod, location, snippet);
            if (info.CurrentProperty != null)
            {
                UseProperty(info.CurrentProperty, location, snippet, Access.Get);
            }

            UseMethod(info.DisposeMethod, location, snippet);
            if (info.ElementConversion.IsUserDefined)
            {
                UseMethod(info.ElementConversion.MethodSymbol, location, snippet);
            }

            if (info.CurrentConversion.IsUserDefined)
            {
                UseMethod(info.CurrentConversion.MethodSymbol, location, snippet);
            }
        }

        /// <summary>
        /// An interpolated string whose holes are all strings without alignment or format is concatenated
        /// (as <see cref="StringConcatenation"/>); any other is <c>String.Format(String, Object[])</c>, the only
        /// Format overload nanoFramework has and the one its compiler then binds (normalization: .NET's
        /// compiler would pick a Format(String, Object, ...) overload).
        /// </summary>
        private void Interpolation(InterpolatedStringExpressionSyntax interpolated)
        {
            Location location = interpolated.GetLocation();
            string snippet = Snippet(interpolated);
            List<InterpolationSyntax> holes = interpolated.Contents.OfType<InterpolationSyntax>().ToList();
            bool concatenation = holes.All(h => h.AlignmentClause == null && h.FormatClause == null
                && Model.GetTypeInfo(h.Expression).Type?.SpecialType == SpecialType.System_String);
            if (!concatenation)
            {
                Require(StringFormatArray, location, snippet);
                return;
            }

            int parts = 0;
            bool previousWasText = false;
            foreach (InterpolatedStringContentSyntax content in interpolated.Contents)
            {
                bool text = content is InterpolatedStringTextSyntax
                    || Model.GetConstantValue(((InterpolationSyntax)content).Expression).HasValue;
                if (!text || !previousWasText)
                {
                    parts++;
                }

                previousWasText = text;
            }

            if (parts >= 2)
            {
                Require(parts == 2 ? StringConcat2 : parts == 3 ? StringConcat3 : parts == 4 ? StringConcat4 : StringConcatArray, location, snippet);
            }
        }

        // ---- operation trees: implicit calls and accessors ----------------------------------------

        private void OperationTree(SyntaxNode node)
        {
            IOperation? operation = Model.GetOperation(node);
            if (operation != null && operation.Parent == null)
            {
                Walk(operation);
            }
        }

        private void Walk(IOperation operation)
        {
            Location location = operation.Syntax.GetLocation();
            string snippet = Snippet(operation.Syntax);
            switch (operation)
            {
                case INameOfOperation:
                    // A compile-time constant; its argument's symbols are checked through the syntax, but no accessor runs.
                    return;
                case IInvocationOperation invocation:
                    UseMethod(invocation.TargetMethod, location, snippet);
                    break;
                case IObjectCreationOperation creation:
                    UseMethod(creation.Constructor, location, snippet);
                    break;
                case IPropertyReferenceOperation property:
                    UseProperty(property.Property, location, snippet, AccessOf(property));
                    break;
                case IEventAssignmentOperation assignment when assignment.EventReference is IEventReferenceOperation reference:
                    UseEvent(reference.Event, location, snippet, assignment.Adds ? Access.Add : Access.Remove);
                    break;
                case IFieldReferenceOperation field:
                    Use(field.Field, location, snippet, Access.None);
                    break;
                case IMethodReferenceOperation method:
                    UseMethod(method.Method, location, snippet);
                    break;
                case IDelegateCreationOperation creation when creation.Type is INamedTypeSymbol { TypeKind: TypeKind.Delegate } delegateType:
                    UseMethod(delegateType.InstanceConstructors.FirstOrDefault(), location, snippet);
                    break;
                case IConversionOperation conversion:
                    UseMethod(conversion.OperatorMethod, location, snippet);
                    break;
                case IUnaryOperation unary:
                    UseMethod(unary.OperatorMethod, location, snippet);
                    break;
                case IBinaryOperation binary:
                    UseMethod(binary.OperatorMethod, location, snippet);
                    break;
                case IIncrementOrDecrementOperation increment:
                    UseMethod(increment.OperatorMethod, location, snippet);
                    break;
                case ICompoundAssignmentOperation compound:
                    UseMethod(compound.OperatorMethod, location, snippet);
                    break;
            }

            if (operation.Type != null)
            {
                UseType(operation.Type, location, snippet, requireApi: false);
            }

            foreach (IOperation child in operation.ChildOperations)
            {
                Walk(child);
            }
        }

        private static Access AccessOf(IPropertyReferenceOperation property)
        {
            switch (property.Parent)
            {
                case ISimpleAssignmentOperation assignment when assignment.Target == property:
                    return Access.Set;
                case ICompoundAssignmentOperation compound when compound.Target == property:
                case ICoalesceAssignmentOperation coalesce when coalesce.Target == property:
                case IIncrementOrDecrementOperation:
                    return Access.Get | Access.Set;
                default:
                    return Access.Get;
            }
        }

        // ---- what declarations imply --------------------------------------------------------------

        private void Declaration(INamedTypeSymbol type)
        {
            Location location = type.Locations.FirstOrDefault(l => l.IsInSource) ?? Location.None;
            string name = type.Name;
            if (type.BaseType != null)
            {
                UseType(type.BaseType, location, "base type of " + name, requireApi: true);
            }

            if (type.EnumUnderlyingType != null)
            {
                UseType(type.EnumUnderlyingType, location, "underlying type of " + name, requireApi: true);
            }

            foreach (INamedTypeSymbol contract in type.Interfaces)
            {
                UseType(contract, location, "interface of " + name, requireApi: true);
                foreach (ISymbol member in contract.GetMembers())
                {
                    ISymbol? implementation = type.FindImplementationForInterfaceMember(member);
                    if (implementation != null && IsSource(implementation) && IsExternal(member))
                    {
                        RequireMember(member.OriginalDefinition, MemberLocation(implementation, location), name + " implements " + member.Name);
                    }
                }
            }

            foreach (ISymbol member in type.GetMembers())
            {
                Location at = MemberLocation(member, location);
                string what = name + "." + member.Name;
                switch (member)
                {
                    case IMethodSymbol method:
                        DeclaredMethod(type, method, at, what);
                        break;
                    case IPropertySymbol property:
                        UseType(property.Type, at, "type of " + what, requireApi: true);
                        Parameters(property.Parameters, at, what);

                        // The compiler marks a type that declares an indexer with [DefaultMember("Item")].
                        if (property.IsIndexer)
                        {
                            Require(DefaultMemberCtor, at, "indexer of " + name);
                        }

                        if (property.IsOverride && property.OverriddenProperty != null && IsExternal(property.OverriddenProperty))
                        {
                            RequireMember(property.OverriddenProperty.OriginalDefinition, at, what + " overrides");
                        }

                        break;
                    case IFieldSymbol field:
                        UseType(field.Type, at, "type of " + what, requireApi: true);
                        break;
                    case IEventSymbol eventSymbol:
                        UseType(eventSymbol.Type, at, "type of " + what, requireApi: true);

                        // A field-like event's accessors combine delegates. (.NET's compiler loops on
                        // Interlocked.CompareExchange<T>; without it, as on nanoFramework, it emits the plain form.)
                        if (eventSymbol.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is VariableDeclaratorSyntax))
                        {
                            Require(DelegateCombine, at, "field-like event " + what);
                            Require(DelegateRemove, at, "field-like event " + what);
                        }

                        if (eventSymbol.IsOverride && eventSymbol.OverriddenEvent != null && IsExternal(eventSymbol.OverriddenEvent))
                        {
                            RequireMember(eventSymbol.OverriddenEvent.OriginalDefinition, at, what + " overrides");
                        }

                        break;
                }
            }
        }

        private void DeclaredMethod(INamedTypeSymbol type, IMethodSymbol method, Location at, string what)
        {
            UseType(method.ReturnType, at, "return type of " + what, requireApi: true);
            Parameters(method.Parameters, at, what);

            if (method.Parameters.Any(p => p.IsParams))
            {
                Require(ParamArrayCtor, at, "params parameter of " + what);
            }

            if (method.IsExtensionMethod)
            {
                Require(ExtensionCtor, at, "extension method " + what);
            }

            // `in` parameters and `ref readonly` returns of overridable members carry modreq(InAttribute).
            if ((method.IsVirtual || method.IsAbstract || method.IsOverride)
                && (method.RefKind == RefKind.RefReadOnly || method.Parameters.Any(p => p.RefKind == RefKind.In)))
            {
                Require(InAttributeType, at, "in/ref readonly on overridable " + what);
            }

            // Normalization: a destructor overrides Object.Finalize on .NET; nanoFramework's Object has none
            // and its own types declare destructors all the same, so nothing is required for one.
            // An override of the program's own virtual member needs nothing from nanoFramework.
            if (method.IsOverride && method.MethodKind != MethodKind.Destructor && method.OverriddenMethod != null && IsExternal(method.OverriddenMethod))
            {
                RequireMember(method.OverriddenMethod.OriginalDefinition, at, what + " overrides");
            }

            // An implicit instance constructor calls the base type's parameterless one. (Declared
            // constructors' implicit base calls are in their operation trees.)
            if (method.MethodKind == MethodKind.Constructor && method.IsImplicitlyDeclared && !method.IsStatic
                && type.TypeKind == TypeKind.Class && type.BaseType != null)
            {
                IMethodSymbol? baseConstructor = type.BaseType.InstanceConstructors
                    .FirstOrDefault(c => c.Parameters.All(p => p.IsOptional || p.IsParams));
                UseMethod(baseConstructor, at, "implicit constructor of " + type.Name);
            }
        }

        private void Parameters(IEnumerable<IParameterSymbol> parameters, Location at, string what)
        {
            foreach (IParameterSymbol parameter in parameters)
            {
                UseType(parameter.Type, at, "parameter " + parameter.Name + " of " + what, requireApi: true);
            }
        }

        // ---- symbol checks -------------------------------------------------------------------------

        private void Use(ISymbol symbol, Location location, string snippet, Access access)
        {
            switch (symbol)
            {
                case IAliasSymbol alias:
                    Use(alias.Target, location, snippet, access);
                    break;
                case ITypeSymbol type:
                    UseType(type, location, snippet, requireApi: true);
                    break;
                case IMethodSymbol method:
                    UseMethod(method, location, snippet);
                    break;
                case IPropertySymbol property:
                    UseProperty(property, location, snippet, access);
                    break;
                case IEventSymbol eventSymbol:
                    UseEvent(eventSymbol, location, snippet, access);
                    break;
                case IFieldSymbol field:
                    if (field.ContainingType?.IsTupleType == true)
                    {
                        Construct(Constructs.Tuples, location, snippet);
                    }
                    else if (UseContainingType(field, location, snippet) && IsExternal(field)
                        && !IsListedAsOtherMemberKind(field.OriginalDefinition, "P:", location))
                    {
                        RequireMember(field.OriginalDefinition, location, snippet);
                    }

                    break;
            }
        }

        private void UseType(ITypeSymbol type, Location location, string snippet, bool requireApi)
        {
            switch (type)
            {
                case IArrayTypeSymbol array:
                    if (array.Rank > 1)
                    {
                        Construct(Constructs.MultidimensionalArrays, location, snippet);
                    }

                    UseType(array.ElementType, location, snippet, requireApi);
                    return;
                case IPointerTypeSymbol pointer:
                    Construct(Constructs.Unsafe, location, snippet);
                    UseType(pointer.PointedAtType, location, snippet, requireApi);
                    return;
                case IFunctionPointerTypeSymbol:
                    Construct(Constructs.Unsafe, location, snippet);
                    return;
                case ITypeParameterSymbol:
                case IErrorTypeSymbol:
                    return;
            }

            if (type.TypeKind == TypeKind.Dynamic)
            {
                Construct(Constructs.Dynamic, location, snippet);
                return;
            }

            if (!(type is INamedTypeSymbol named))
            {
                return;
            }

            if (named.IsAnonymousType)
            {
                Construct(Constructs.AnonymousTypes, location, snippet);
                return;
            }

            if (named.IsTupleType)
            {
                Construct(Constructs.Tuples, location, snippet);
                foreach (IFieldSymbol element in named.TupleElements)
                {
                    UseType(element.Type, location, snippet, requireApi);
                }

                return;
            }

            if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
            {
                Construct(Constructs.NullableValueTypes, location, named.ToDisplayString());
                UseType(named.TypeArguments[0], location, snippet, requireApi);
                return;
            }

            if (IsGeneric(named))
            {
                Construct(named.IsRefLikeType ? Constructs.StackallocSpan : Constructs.Generics, location, named.ToDisplayString());
                for (INamedTypeSymbol? t = named; t != null; t = t.ContainingType)
                {
                    foreach (ITypeSymbol argument in t.TypeArguments)
                    {
                        UseType(argument, location, snippet, requireApi);
                    }
                }
            }
            // nanoFramework's own SpanByte is a ref struct in the real mscorlib, and its APIs take it: a listed
            // ref struct is nanoFramework's, any other (Span<T>, ReadOnlySpan<T>) is .NET's.
            else if (named.IsRefLikeType && IsExternal(named) && !api.Contains(named.OriginalDefinition.GetDocumentationCommentId() ?? string.Empty))
            {
                Construct(Constructs.StackallocSpan, location, named.ToDisplayString());
            }

            if (IsLinq(named))
            {
                Construct(Constructs.Linq, location, snippet);
            }

            if (requireApi && IsExternal(named))
            {
                RequireMember(named.OriginalDefinition, location, snippet);
            }
        }

        private void UseMethod(IMethodSymbol? method, Location location, string snippet)
        {
            if (method == null)
            {
                return;
            }

            switch (method.MethodKind)
            {
                case MethodKind.BuiltinOperator:
                case MethodKind.AnonymousFunction:
                case MethodKind.LocalFunction:
                    return;
            }

            if (method.IsGenericMethod)
            {
                Construct(Constructs.Generics, location, "generic method " + method.ToDisplayString());
                foreach (ITypeSymbol argument in method.TypeArguments)
                {
                    UseType(argument, location, snippet, requireApi: true);
                }
            }

            if (!UseContainingType(method, location, snippet))
            {
                return;
            }

            if (method.ContainingType != null && IsLinq(method.ContainingType))
            {
                Construct(Constructs.Linq, location, snippet);
            }

            IMethodSymbol declared = (method.ReducedFrom ?? method).OriginalDefinition;
            if (IsExternal(declared))
            {
                RequireMember(declared, location, snippet);
            }
        }

        private void UseProperty(IPropertySymbol property, Location location, string snippet, Access access)
        {
            if (!UseContainingType(property, location, snippet) || !IsExternal(property))
            {
                return;
            }

            IPropertySymbol declared = property.OriginalDefinition;
            if (IsListedAsOtherMemberKind(declared, "F:", location))
            {
                return;
            }

            if (!RequireMember(declared, location, snippet))
            {
                return;
            }

            if ((access & Access.Get) != 0 && declared.GetMethod != null)
            {
                RequireMember(declared.GetMethod, location, snippet);
            }

            if ((access & Access.Set) != 0 && declared.SetMethod != null)
            {
                RequireMember(declared.SetMethod, location, snippet);
            }
        }

        private void UseEvent(IEventSymbol eventSymbol, Location location, string snippet, Access access)
        {
            if (!UseContainingType(eventSymbol, location, snippet) || !IsExternal(eventSymbol))
            {
                return;
            }

            IEventSymbol declared = eventSymbol.OriginalDefinition;
            if (!RequireMember(declared, location, snippet))
            {
                return;
            }

            if ((access & Access.Add) != 0 && declared.AddMethod != null)
            {
                RequireMember(declared.AddMethod, location, snippet);
            }

            if ((access & Access.Remove) != 0 && declared.RemoveMethod != null)
            {
                RequireMember(declared.RemoveMethod, location, snippet);
            }
        }

        /// <summary>Flags members of constructed generic types (List&lt;int&gt;.Add); false when there is no containing type.</summary>
        private bool UseContainingType(ISymbol member, Location location, string snippet)
        {
            if (member.ContainingType == null)
            {
                return false;
            }

            if (IsGeneric(member.ContainingType) || member.ContainingType.IsTupleType
                || member.ContainingType.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
            {
                UseType(member.ContainingType, location, snippet, requireApi: false);
            }

            return true;
        }

        /// <summary>
        /// Looks the symbol's documentation-comment ID up in the listing; records a finding when absent.
        /// Normalization: when the exact member is absent but it overrides a member that is listed, the
        /// use is accepted, since .NET and nanoFramework may declare the same virtual member at different
        /// levels of a hierarchy (Int32.Equals(Object) vs ValueType.Equals(Object)) and the nanoFramework
        /// compiler binds the same call to the declaration it has, with the same virtual dispatch.
        /// </summary>
        private bool RequireMember(ISymbol declared, Location location, string snippet)
        {
            string? id = declared.GetDocumentationCommentId();
            if (string.IsNullOrEmpty(id))
            {
                return true;
            }

            Used(id, location);
            if (api.Contains(id))
            {
                return true;
            }

            for (ISymbol? overridden = Overridden(declared); overridden != null; overridden = Overridden(overridden))
            {
                string? baseId = overridden.GetDocumentationCommentId();
                if (baseId != null && api.Contains(baseId))
                {
                    Used(baseId, location);
                    return true;
                }
            }

            string? typeId = declared is ITypeSymbol ? null : declared.ContainingType?.OriginalDefinition.GetDocumentationCommentId();
            Add(FindingKind.MissingApi, id, snippet, location, typeId);
            return false;
        }

        /// <summary>
        /// Normalization: a property on .NET that is a public field of the same name on nanoFramework (or
        /// the reverse), e.g. <c>DictionaryEntry.Key</c>, is source compatible: <c>x.Key</c> compiles against
        /// either, and the nanoFramework compiler emits the field load or the getter call it needs.
        /// </summary>
        private bool IsListedAsOtherMemberKind(ISymbol declared, string otherKind, Location location)
        {
            string? id = declared.GetDocumentationCommentId();
            if (id == null || api.Contains(id) || declared is IPropertySymbol { IsIndexer: true })
            {
                return false;
            }

            string other = otherKind + id.Substring(2);
            if (!api.Contains(other))
            {
                return false;
            }

            Used(other, location);
            return true;
        }

        private void Require(string id, Location location, string snippet)
        {
            Used(id, location);
            if (!api.Contains(id))
            {
                string typeId = DocIds.ContainingTypeId(id);
                Add(FindingKind.MissingApi, id, snippet, location, typeId == id ? null : typeId);
            }
        }

        private void RequireAny(IReadOnlyList<string> ids, Location location, string snippet)
        {
            string? found = ids.FirstOrDefault(api.Contains);
            if (found != null)
            {
                Used(found, location);
            }
            else
            {
                Require(ids[ids.Count - 1], location, snippet);
            }
        }

        private void Used(string id, Location location)
        {
            FileLinePositionSpan span = location.GetLineSpan();
            uses.Add((id, span.Path ?? string.Empty, span.StartLinePosition.Line + 1));
            string? assembly = api.AssemblyOf(id);
            if (assembly != null)
            {
                usedAssemblies.Add(assembly);
            }
        }

        private void Construct(string construct, Location location, string detail) =>
            Add(FindingKind.Construct, construct, detail, location);

        private void Add(FindingKind kind, string subject, string detail, Location location, string? typeId = null)
        {
            FileLinePositionSpan span = location.GetLineSpan();
            string file = location.IsInSource || !string.IsNullOrEmpty(span.Path) ? span.Path : "(compilation)";
            int line = location.IsInSource || !string.IsNullOrEmpty(span.Path) ? span.StartLinePosition.Line + 1 : 0;
            var key = (kind, subject, file, line);
            if (!findings.ContainsKey(key))
            {
                findings.Add(key, new PortabilityFinding(kind, subject, detail, file, line, typeId));
            }
        }

        // ---- helpers -------------------------------------------------------------------------------

        private bool IsExternal(ISymbol symbol) =>
            symbol.ContainingAssembly != null && !SymbolEqualityComparer.Default.Equals(symbol.ContainingAssembly, compilation.Assembly);

        private bool IsSource(ISymbol symbol) =>
            SymbolEqualityComparer.Default.Equals(symbol.ContainingAssembly, compilation.Assembly);

        private static bool IsGeneric(INamedTypeSymbol type)
        {
            for (INamedTypeSymbol? t = type; t != null; t = t.ContainingType)
            {
                if (t.IsGenericType)
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsLinq(INamedTypeSymbol type)
        {
            string ns = type.ContainingNamespace?.ToDisplayString() ?? string.Empty;
            return ns == "System.Linq" || ns.StartsWith("System.Linq.", StringComparison.Ordinal);
        }

        private static ISymbol? Overridden(ISymbol symbol) => symbol switch
        {
            IMethodSymbol method => method.OverriddenMethod,
            IPropertySymbol property => property.OverriddenProperty,
            IEventSymbol eventSymbol => eventSymbol.OverriddenEvent,
            _ => null,
        };

        private static Location MemberLocation(ISymbol member, Location fallback) =>
            member.Locations.FirstOrDefault(l => l.IsInSource) ?? fallback;

        private static IEnumerable<INamedTypeSymbol> SourceTypes(INamespaceSymbol ns)
        {
            foreach (INamespaceOrTypeSymbol member in ns.GetMembers())
            {
                if (member is INamespaceSymbol child)
                {
                    foreach (INamedTypeSymbol type in SourceTypes(child))
                    {
                        yield return type;
                    }
                }
                else if (member is INamedTypeSymbol type && type.Locations.Any(l => l.IsInSource))
                {
                    foreach (INamedTypeSymbol nested in WithNested(type))
                    {
                        yield return nested;
                    }
                }
            }
        }

        private static IEnumerable<INamedTypeSymbol> WithNested(INamedTypeSymbol type)
        {
            yield return type;
            foreach (INamedTypeSymbol nested in type.GetTypeMembers())
            {
                foreach (INamedTypeSymbol inner in WithNested(nested))
                {
                    yield return inner;
                }
            }
        }

        private static string DeclaredName(SyntaxNode? declaration) => declaration switch
        {
            BaseTypeDeclarationSyntax type => type.Identifier.Text,
            DelegateDeclarationSyntax d => d.Identifier.Text,
            MethodDeclarationSyntax method => method.Identifier.Text,
            LocalFunctionStatementSyntax local => local.Identifier.Text,
            _ => string.Empty,
        };

        private static string Snippet(SyntaxNode node)
        {
            string text = node.ToString();
            int newline = text.IndexOfAny(new[] { '\r', '\n' });
            if (newline >= 0)
            {
                text = text.Substring(0, newline).TrimEnd() + " ...";
            }

            text = string.Join(" ", text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            return text.Length > 90 ? text.Substring(0, 87) + "..." : text;
        }
    }
}
