using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace InferenceGateway.Kubernetes.Tests;

/// <summary>A chart's <c>fail</c> (or <c>required</c>) stopped the render, as <c>helm template</c> would.</summary>
internal sealed class HelmFailException(string message) : Exception(message);

/// <summary>
/// Renders Helm chart templates for the manifest tests (Helm itself is not on the build machines). It implements
/// the part of Go's text/template and Sprig that the chart uses, with Go's semantics: actions with trim markers and
/// comments; if / else if / else, range (lists, maps in key order, with <c>$k, $v :=</c>), with; variables
/// (<c>:=</c>, <c>=</c> assigning the enclosing one, <c>$</c> the root); pipelines and parenthesised
/// sub-expressions with field access; the functions in <see cref="Call"/>. Anything else fails loudly, so a
/// template construct the renderer does not know cannot pass unnoticed. Values are plain objects: null, string,
/// long, double, bool, <see cref="List{T}"/> and <see cref="Dictionary{TKey,TValue}"/>.
/// </summary>
internal static class HelmTemplateRenderer
{
    private static readonly JsonSerializerOptions QuoteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Renders one template with <c>.Values</c>, <c>.Release.{Name,Namespace}</c> and <c>.Chart</c>.</summary>
    public static string Render(string template, JsonObject values, JsonObject chart, string releaseName, string releaseNamespace)
    {
        var root = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["Values"] = FromJson(values),
            ["Release"] = new Dictionary<string, object?>(StringComparer.Ordinal) { ["Name"] = releaseName, ["Namespace"] = releaseNamespace },
            ["Chart"] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["Name"] = chart["name"]?.ToString(),
                ["Version"] = chart["version"]?.ToString(),
                ["AppVersion"] = chart["appVersion"]?.ToString(),
            },
        };
        var nodes = new Parser(Lex(template)).ParseAll();
        var output = new StringBuilder();
        Execute(nodes, new Frame(root, root, new Scope(null)), output);
        return output.ToString();
    }

    /// <summary>Deep-merges <paramref name="overrides"/> into a copy of <paramref name="values"/> (as <c>-f</c> / <c>--set</c> do).</summary>
    public static JsonObject Merge(JsonObject values, JsonObject overrides)
    {
        var result = values.DeepClone().AsObject();
        foreach (var (key, value) in overrides)
        {
            if (value is JsonObject child && result[key] is JsonObject existing)
            {
                result[key] = Merge(existing, child);
            }
            else
            {
                result[key] = value?.DeepClone();
            }
        }

        return result;
    }

    // ---- lexing: text and actions, trim markers applied ----

    private abstract record Token;

    private sealed record TextToken(string Text) : Token;

    private sealed record ActionToken(string Body) : Token;

    private static List<Token> Lex(string template)
    {
        var tokens = new List<Token>();
        var position = 0;
        var trimNext = false;
        while (position < template.Length)
        {
            var open = template.IndexOf("{{", position, StringComparison.Ordinal);
            var text = open < 0 ? template[position..] : template[position..open];
            if (trimNext)
            {
                text = text.TrimStart();
            }

            var trimLeft = open >= 0 && open + 3 < template.Length && template[open + 2] == '-' && char.IsWhiteSpace(template[open + 3]);
            if (trimLeft)
            {
                text = text.TrimEnd();
            }

            tokens.Add(new TextToken(text));
            if (open < 0)
            {
                break;
            }

            var start = open + (trimLeft ? 3 : 2);
            var close = FindClose(template, start);
            var trimRight = template[close - 1] == '-' && char.IsWhiteSpace(template[close - 2]);
            var body = template[start..(trimRight ? close - 1 : close)].Trim();
            if (!(body.StartsWith("/*", StringComparison.Ordinal) && body.EndsWith("*/", StringComparison.Ordinal)))
            {
                tokens.Add(new ActionToken(body));
            }

            trimNext = trimRight;
            position = close + 2;
        }

        return tokens;
    }

    private static int FindClose(string template, int start)
    {
        var quote = '\0';
        for (var i = start; i < template.Length - 1; i++)
        {
            var c = template[i];
            if (quote != '\0')
            {
                if (c == '\\' && quote == '"')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '`')
            {
                quote = c;
            }
            else if (c == '}' && template[i + 1] == '}')
            {
                return i;
            }
        }

        throw new InvalidOperationException($"unclosed action at {start}");
    }

    // ---- parsing: a tree of text, output, if, range, with ----

    private abstract record Node;

    private sealed record TextNode(string Text) : Node;

    /// <summary>An output action, or a declaration/assignment when <see cref="Variable"/> is set (no output).</summary>
    private sealed record ActionNode(Expr Pipeline, string? Variable, bool Declare) : Node;

    private sealed record IfNode(List<(Expr Condition, List<Node> Body)> Branches, List<Node>? Else) : Node;

    private sealed record RangeNode(string? KeyVariable, string? ValueVariable, Expr Source, List<Node> Body, List<Node>? Else) : Node;

    private sealed record WithNode(Expr Source, List<Node> Body, List<Node>? Else) : Node;

    private sealed class Parser(List<Token> tokens)
    {
        private int _index;

        public List<Node> ParseAll()
        {
            var nodes = ParseUntil(out var stop);
            if (stop is not null)
            {
                throw new InvalidOperationException($"unexpected {{{{ {stop} }}}}");
            }

            return nodes;
        }

        /// <summary>Parses until end, else or else-if; <paramref name="stop"/> is that action's text (null at the end of input).</summary>
        private List<Node> ParseUntil(out string? stop)
        {
            var nodes = new List<Node>();
            while (_index < tokens.Count)
            {
                var token = tokens[_index++];
                if (token is TextToken text)
                {
                    nodes.Add(new TextNode(text.Text));
                    continue;
                }

                var body = ((ActionToken)token).Body;
                if (body == "end" || body == "else" || body.StartsWith("else ", StringComparison.Ordinal))
                {
                    stop = body;
                    return nodes;
                }

                if (body.StartsWith("if ", StringComparison.Ordinal))
                {
                    nodes.Add(ParseIf(body[3..]));
                }
                else if (body.StartsWith("range ", StringComparison.Ordinal))
                {
                    var (key, value, source) = SplitRange(body[6..]);
                    var inner = ParseUntil(out var rangeStop);
                    var otherwise = rangeStop == "else" ? ParseEnd() : null;
                    Expect(rangeStop, otherwise is null);
                    nodes.Add(new RangeNode(key, value, ExpressionParser.Parse(source), inner, otherwise));
                }
                else if (body.StartsWith("with ", StringComparison.Ordinal))
                {
                    var inner = ParseUntil(out var withStop);
                    var otherwise = withStop == "else" ? ParseEnd() : null;
                    Expect(withStop, otherwise is null);
                    nodes.Add(new WithNode(ExpressionParser.Parse(body[5..]), inner, otherwise));
                }
                else if (body.StartsWith("define ", StringComparison.Ordinal) || body.StartsWith("template ", StringComparison.Ordinal)
                    || body.StartsWith("block ", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"unsupported action {{{{ {body} }}}}");
                }
                else
                {
                    nodes.Add(ParseAction(body));
                }
            }

            stop = null;
            return nodes;
        }

        private IfNode ParseIf(string condition)
        {
            var branches = new List<(Expr, List<Node>)>();
            List<Node>? otherwise = null;
            while (true)
            {
                var body = ParseUntil(out var stop);
                branches.Add((ExpressionParser.Parse(condition), body));
                if (stop is not null && stop.StartsWith("else if ", StringComparison.Ordinal))
                {
                    condition = stop[8..];
                    continue;
                }

                if (stop == "else")
                {
                    otherwise = ParseEnd();
                }
                else
                {
                    Expect(stop, true);
                }

                return new IfNode(branches, otherwise);
            }
        }

        private List<Node> ParseEnd()
        {
            var nodes = ParseUntil(out var stop);
            Expect(stop, true);
            return nodes;
        }

        private static void Expect(string? stop, bool mustBeEnd)
        {
            if (mustBeEnd && stop != "end")
            {
                throw new InvalidOperationException($"expected {{{{ end }}}}, found {(stop is null ? "the end of the template" : stop)}");
            }
        }

        private static ActionNode ParseAction(string body)
        {
            if (body.StartsWith('$'))
            {
                var declare = body.IndexOf(":=", StringComparison.Ordinal);
                var assign = body.IndexOf(" = ", StringComparison.Ordinal);
                if (declare > 0 && IsVariableName(body[..declare].Trim()))
                {
                    return new ActionNode(ExpressionParser.Parse(body[(declare + 2)..]), body[..declare].Trim(), Declare: true);
                }

                if (assign > 0 && IsVariableName(body[..assign].Trim()))
                {
                    return new ActionNode(ExpressionParser.Parse(body[(assign + 3)..]), body[..assign].Trim(), Declare: false);
                }
            }

            return new ActionNode(ExpressionParser.Parse(body), null, false);
        }

        private static (string? Key, string? Value, string Source) SplitRange(string text)
        {
            var declare = text.IndexOf(":=", StringComparison.Ordinal);
            if (declare < 0)
            {
                return (null, null, text);
            }

            var names = text[..declare].Split(',', StringSplitOptions.TrimEntries);
            return names.Length == 2 ? (names[0], names[1], text[(declare + 2)..]) : (null, names[0], text[(declare + 2)..]);
        }

        private static bool IsVariableName(string text) => text.Length > 1 && text[0] == '$' && text[1..].All(c => char.IsLetterOrDigit(c) || c == '_');
    }

    // ---- expressions: pipelines of commands over operands ----

    private abstract record Expr;

    private sealed record Literal(object? Value) : Expr;

    /// <summary><c>.a.b</c> from dot (Base null), <c>$x.a</c> from a variable, or <c>(expr).a</c>.</summary>
    private sealed record FieldChain(Expr? Base, string? Variable, string[] Fields) : Expr;

    private sealed record FunctionName(string Name) : Expr;

    private sealed record Command(List<Expr> Operands) : Expr;

    private sealed record Pipeline(List<Command> Commands) : Expr;

    private sealed class ExpressionParser
    {
        private const string FieldOfParenthesis = "\u0001";

        private readonly List<string> _tokens;
        private int _index;

        private ExpressionParser(string text) => _tokens = Tokenize(text);

        public static Expr Parse(string text)
        {
            var parser = new ExpressionParser(text);
            var pipeline = parser.ParsePipeline();
            if (parser._index != parser._tokens.Count)
            {
                throw new InvalidOperationException($"unexpected '{parser._tokens[parser._index]}' in {{{{ {text} }}}}");
            }

            return pipeline;
        }

        private Pipeline ParsePipeline()
        {
            var commands = new List<Command> { ParseCommand() };
            while (_index < _tokens.Count && _tokens[_index] == "|")
            {
                _index++;
                commands.Add(ParseCommand());
            }

            return new Pipeline(commands);
        }

        private Command ParseCommand()
        {
            var operands = new List<Expr>();
            while (_index < _tokens.Count && _tokens[_index] is not ("|" or ")"))
            {
                operands.Add(ParseOperand());
            }

            if (operands.Count == 0)
            {
                throw new InvalidOperationException("empty command");
            }

            return new Command(operands);
        }

        private Expr ParseOperand()
        {
            var token = _tokens[_index++];
            if (token == "(")
            {
                var inner = ParsePipeline();
                if (_index >= _tokens.Count || _tokens[_index++] != ")")
                {
                    throw new InvalidOperationException("missing )");
                }

                if (_index < _tokens.Count && _tokens[_index].StartsWith(FieldOfParenthesis))
                {
                    return new FieldChain(inner, null, _tokens[_index++][2..].Split('.'));
                }

                return inner;
            }

            if (token[0] is '"')
            {
                return new Literal(JsonSerializer.Deserialize<string>(token));
            }

            if (token[0] is '`')
            {
                return new Literal(token[1..^1]);
            }

            if (token == ".")
            {
                return new FieldChain(null, null, []);
            }

            if (token[0] == '.')
            {
                return new FieldChain(null, null, token[1..].Split('.'));
            }

            if (token[0] == '$')
            {
                var dot = token.IndexOf('.', StringComparison.Ordinal);
                return dot < 0 ? new FieldChain(null, token, []) : new FieldChain(null, token[..dot], token[(dot + 1)..].Split('.'));
            }

            if (char.IsDigit(token[0]) || token[0] == '-')
            {
                return token.Contains('.', StringComparison.Ordinal)
                    ? new Literal(double.Parse(token, CultureInfo.InvariantCulture))
                    : new Literal(long.Parse(token, CultureInfo.InvariantCulture));
            }

            return token switch
            {
                "true" => new Literal(true),
                "false" => new Literal(false),
                "nil" => new Literal(null),
                _ => new FunctionName(token),
            };
        }

        private static List<string> Tokenize(string text)
        {
            var tokens = new List<string>();
            var i = 0;
            while (i < text.Length)
            {
                var c = text[i];
                if (char.IsWhiteSpace(c))
                {
                    i++;
                }
                else if (c is '(' or ')' or '|')
                {
                    tokens.Add(c.ToString());
                    i++;
                }
                else if (c is '"' or '`')
                {
                    var end = i + 1;
                    while (text[end] != c)
                    {
                        end += c == '"' && text[end] == '\\' ? 2 : 1;
                    }

                    tokens.Add(text[i..(end + 1)]);
                    i = end + 1;
                }
                else
                {
                    var end = i;
                    while (end < text.Length && !char.IsWhiteSpace(text[end]) && text[end] is not ('(' or ')' or '|'))
                    {
                        end++;
                    }

                    // ".field" right after ")" (no space) reads a field of the parenthesised value.
                    tokens.Add(i > 0 && text[i - 1] == ')' && c == '.' ? FieldOfParenthesis + text[i..end] : text[i..end]);
                    i = end;
                }
            }

            return tokens;
        }
    }

    // ---- execution ----

    private sealed class Scope(Scope? parent)
    {
        private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

        public Scope? Parent => parent;

        public void Declare(string name, object? value) => _variables[name] = value;

        public void Assign(string name, object? value)
        {
            for (var scope = this; scope is not null; scope = scope.Parent)
            {
                if (scope._variables.ContainsKey(name))
                {
                    scope._variables[name] = value;
                    return;
                }
            }

            throw new InvalidOperationException($"undefined variable {name}");
        }

        public object? Get(string name)
        {
            for (var scope = this; scope is not null; scope = scope.Parent)
            {
                if (scope._variables.TryGetValue(name, out var value))
                {
                    return value;
                }
            }

            throw new InvalidOperationException($"undefined variable {name}");
        }
    }

    private sealed record Frame(object? Dot, object? Root, Scope Scope)
    {
        public Frame Child(object? dot) => new(dot, Root, new Scope(Scope));
    }

    private static void Execute(List<Node> nodes, Frame frame, StringBuilder output)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case TextNode text:
                    output.Append(text.Text);
                    break;
                case ActionNode { Variable: { } name } assignment:
                    var value = Evaluate(assignment.Pipeline, frame);
                    if (assignment.Declare)
                    {
                        frame.Scope.Declare(name, value);
                    }
                    else
                    {
                        frame.Scope.Assign(name, value);
                    }

                    break;
                case ActionNode action:
                    output.Append(Print(Evaluate(action.Pipeline, frame)));
                    break;
                case IfNode conditional:
                    var taken = false;
                    foreach (var (condition, body) in conditional.Branches)
                    {
                        if (IsTrue(Evaluate(condition, frame)))
                        {
                            Execute(body, frame.Child(frame.Dot), output);
                            taken = true;
                            break;
                        }
                    }

                    if (!taken && conditional.Else is not null)
                    {
                        Execute(conditional.Else, frame.Child(frame.Dot), output);
                    }

                    break;
                case WithNode with:
                    var subject = Evaluate(with.Source, frame);
                    if (IsTrue(subject))
                    {
                        Execute(with.Body, frame.Child(subject), output);
                    }
                    else if (with.Else is not null)
                    {
                        Execute(with.Else, frame.Child(frame.Dot), output);
                    }

                    break;
                case RangeNode range:
                    ExecuteRange(range, frame, output);
                    break;
                default:
                    throw new InvalidOperationException($"unknown node {node}");
            }
        }
    }

    private static void ExecuteRange(RangeNode range, Frame frame, StringBuilder output)
    {
        var items = new List<(object? Key, object? Value)>();
        switch (Evaluate(range.Source, frame))
        {
            case null:
                break;
            case List<object?> list:
                for (var i = 0; i < list.Count; i++)
                {
                    items.Add((i, list[i]));
                }

                break;
            case Dictionary<string, object?> map:
                foreach (var key in map.Keys.Order(StringComparer.Ordinal))
                {
                    items.Add((key, map[key]));
                }

                break;
            case var other:
                throw new InvalidOperationException($"range can't iterate over {other}");
        }

        if (items.Count == 0 && range.Else is not null)
        {
            Execute(range.Else, frame.Child(frame.Dot), output);
        }

        foreach (var (key, value) in items)
        {
            var child = frame.Child(value);
            if (range.KeyVariable is not null)
            {
                child.Scope.Declare(range.KeyVariable, key is int index ? (long)index : key);
            }

            if (range.ValueVariable is not null)
            {
                child.Scope.Declare(range.ValueVariable, value);
            }

            Execute(range.Body, child, output);
        }
    }

    private static object? Evaluate(Expr expr, Frame frame)
    {
        switch (expr)
        {
            case Literal literal:
                return literal.Value;
            case FieldChain chain:
                var value = chain.Base is not null ? Evaluate(chain.Base, frame)
                    : chain.Variable is null ? frame.Dot
                    : chain.Variable == "$" ? frame.Root
                    : frame.Scope.Get(chain.Variable);
                foreach (var field in chain.Fields)
                {
                    value = value switch
                    {
                        Dictionary<string, object?> map => map.GetValueOrDefault(field),
                        null => throw new InvalidOperationException($"nil pointer evaluating .{field}"),
                        _ => throw new InvalidOperationException($"can't evaluate field {field} in {value.GetType().Name}"),
                    };
                }

                return value;
            case Pipeline pipeline:
                object? piped = null;
                for (var i = 0; i < pipeline.Commands.Count; i++)
                {
                    piped = EvaluateCommand(pipeline.Commands[i], frame, i == 0 ? null : new[] { piped });
                }

                return piped;
            case Command command:
                return EvaluateCommand(command, frame, null);
            case FunctionName function:
                return Call(function.Name, []);
            default:
                throw new InvalidOperationException($"unknown expression {expr}");
        }
    }

    private static object? EvaluateCommand(Command command, Frame frame, object?[]? piped)
    {
        if (command.Operands[0] is FunctionName function)
        {
            var arguments = new List<object?>();
            for (var i = 1; i < command.Operands.Count; i++)
            {
                arguments.Add(Evaluate(command.Operands[i], frame));
            }

            if (piped is not null)
            {
                arguments.AddRange(piped);
            }

            return Call(function.Name, arguments);
        }

        if (command.Operands.Count != 1 || piped is not null)
        {
            throw new InvalidOperationException("only a function takes arguments or a piped value");
        }

        return Evaluate(command.Operands[0], frame);
    }

    /// <summary>The Go template built-ins and Sprig functions the chart uses, with their semantics.</summary>
    private static object? Call(string name, List<object?> args)
    {
        switch (name)
        {
            case "quote":
                return string.Join(" ", args.Where(a => a is not null).Select(a => JsonSerializer.Serialize(Print(a), QuoteOptions)));
            case "default":
                Arity(name, args, 2);
                return IsTrue(args[1]) ? args[1] : args[0];
            case "empty":
                Arity(name, args, 1);
                return !IsTrue(args[0]);
            case "not":
                Arity(name, args, 1);
                return !IsTrue(args[0]);
            case "and":
                foreach (var a in args)
                {
                    if (!IsTrue(a))
                    {
                        return a;
                    }
                }

                return args[^1];
            case "or":
                foreach (var a in args)
                {
                    if (IsTrue(a))
                    {
                        return a;
                    }
                }

                return args[^1];
            case "eq":
                return args.Skip(1).Any(a => AreEqual(args[0], a));
            case "ne":
                Arity(name, args, 2);
                return !AreEqual(args[0], args[1]);
            case "lt":
                Arity(name, args, 2);
                return Compare(args[0], args[1]) < 0;
            case "le":
                Arity(name, args, 2);
                return Compare(args[0], args[1]) <= 0;
            case "gt":
                Arity(name, args, 2);
                return Compare(args[0], args[1]) > 0;
            case "ge":
                Arity(name, args, 2);
                return Compare(args[0], args[1]) >= 0;
            case "int":
            case "int64":
                Arity(name, args, 1);
                return ToInt(args[0]);
            case "toString":
                Arity(name, args, 1);
                return Print(args[0]);
            case "lower":
                Arity(name, args, 1);
                return Print(args[0]).ToLowerInvariant();
            case "printf":
                return Printf(Print(args[0]), args.Skip(1).ToList());
            case "splitList":
                Arity(name, args, 2);
                return Print(args[1]).Split(Print(args[0])).Select(s => (object?)s).ToList();
            case "first":
                Arity(name, args, 1);
                return AsList(args[0]) is { Count: > 0 } firstOf ? firstOf[0] : null;
            case "last":
                Arity(name, args, 1);
                return AsList(args[0]) is { Count: > 0 } lastOf ? lastOf[^1] : null;
            case "list":
                return new List<object?>(args);
            case "append":
                Arity(name, args, 2);
                return new List<object?>(AsList(args[0])) { args[1] };
            case "uniq":
                Arity(name, args, 1);
                var distinct = new List<object?>();
                foreach (var item in AsList(args[0]))
                {
                    if (!distinct.Any(d => AreEqual(d, item)))
                    {
                        distinct.Add(item);
                    }
                }

                return distinct;
            case "has":
                Arity(name, args, 2);
                return AsList(args[1]).Any(item => AreEqual(item, args[0]));
            case "len":
                Arity(name, args, 1);
                return (long)(args[0] switch
                {
                    string s => s.Length,
                    List<object?> l => l.Count,
                    Dictionary<string, object?> m => m.Count,
                    null => 0,
                    _ => throw new InvalidOperationException($"len of {args[0]}"),
                });
            case "dict":
                var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
                for (var i = 0; i + 1 < args.Count; i += 2)
                {
                    dict[Print(args[i])] = args[i + 1];
                }

                return dict;
            case "omit":
                var kept = new Dictionary<string, object?>(args[0] as Dictionary<string, object?> ?? throw new InvalidOperationException("omit needs a map"), StringComparer.Ordinal);
                foreach (var key in args.Skip(1))
                {
                    kept.Remove(Print(key));
                }

                return kept;
            case "hasKey":
                Arity(name, args, 2);
                return args[0] is Dictionary<string, object?> map && map.ContainsKey(Print(args[1]));
            case "index":
                var indexed = args[0];
                foreach (var key in args.Skip(1))
                {
                    indexed = indexed switch
                    {
                        List<object?> l => l[(int)ToInt(key)],
                        Dictionary<string, object?> m => m.GetValueOrDefault(Print(key)),
                        _ => throw new InvalidOperationException($"can't index {indexed}"),
                    };
                }

                return indexed;
            case "kindIs":
                Arity(name, args, 2);
                return Print(args[0]) == Kind(args[1]);
            case "required":
                Arity(name, args, 2);
                return args[1] is null || (args[1] is string s0 && s0.Length == 0) ? throw new HelmFailException(Print(args[0])) : args[1];
            case "fail":
                throw new HelmFailException(Print(args[0]));
            case "toYaml":
                Arity(name, args, 1);
                return string.Join("\n", YamlLines(args[0]));
            case "nindent":
                Arity(name, args, 2);
                return "\n" + Indent((int)ToInt(args[0]), Print(args[1]));
            case "indent":
                Arity(name, args, 2);
                return Indent((int)ToInt(args[0]), Print(args[1]));
            default:
                throw new InvalidOperationException($"function \"{name}\" is not supported by the test renderer");
        }
    }

    private static void Arity(string name, List<object?> args, int count)
    {
        if (args.Count != count)
        {
            throw new InvalidOperationException($"{name} takes {count} argument(s), got {args.Count}");
        }
    }

    private static List<object?> AsList(object? value) =>
        value as List<object?> ?? (value is null ? [] : throw new InvalidOperationException($"not a list: {value}"));

    private static string Kind(object? value) => value switch
    {
        null => "invalid",
        string => "string",
        long => "int64",
        double => "float64",
        bool => "bool",
        List<object?> => "slice",
        Dictionary<string, object?> => "map",
        _ => value.GetType().Name,
    };

    private static bool IsTrue(object? value) => value switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> l => l.Count > 0,
        Dictionary<string, object?> m => m.Count > 0,
        _ => true,
    };

    private static bool AreEqual(object? a, object? b) => (a, b) switch
    {
        (long x, double y) => x == y,
        (double x, long y) => x == y,
        _ => Equals(a, b),
    };

    private static int Compare(object? a, object? b) => (a, b) switch
    {
        (string x, string y) => string.CompareOrdinal(x, y),
        (long or double, long or double) => Convert.ToDouble(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(b, CultureInfo.InvariantCulture)),
        _ => throw new InvalidOperationException($"incompatible types for comparison: {a} and {b}"),
    };

    private static long ToInt(object? value) => value switch
    {
        null => 0,
        long l => l,
        double d => (long)d,
        bool b => b ? 1 : 0,
        string s => long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0,
        _ => throw new InvalidOperationException($"int of {value}"),
    };

    private static string Print(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"printing a {Kind(value)} gives Go syntax, not YAML: use toYaml"),
    };

    private static string Printf(string format, List<object?> args)
    {
        var output = new StringBuilder();
        var next = 0;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 == format.Length)
            {
                output.Append(format[i]);
                continue;
            }

            var verb = format[++i];
            if (verb == '%')
            {
                output.Append('%');
                continue;
            }

            var arg = args[next++];
            output.Append(verb == 'q' ? JsonSerializer.Serialize(Print(arg), QuoteOptions) : Print(arg));
        }

        return output.ToString();
    }

    private static string Indent(int spaces, string text)
    {
        var pad = new string(' ', spaces);
        return string.Join("\n", text.Split('\n').Select(line => pad + line));
    }

    /// <summary>Block-style YAML for toYaml (no trailing newline, as Helm trims it).</summary>
    private static List<string> YamlLines(object? value)
    {
        var lines = new List<string>();
        switch (value)
        {
            case Dictionary<string, object?> map when map.Count > 0:
                foreach (var key in map.Keys.Order(StringComparer.Ordinal))
                {
                    var child = map[key];
                    if (IsInline(child))
                    {
                        lines.Add($"{Scalar(key)}: {InlineYaml(child)}");
                    }
                    else
                    {
                        lines.Add($"{Scalar(key)}:");
                        lines.AddRange(YamlLines(child).Select(line => "  " + line));
                    }
                }

                break;
            case List<object?> list when list.Count > 0:
                foreach (var item in list)
                {
                    if (IsInline(item))
                    {
                        lines.Add("- " + InlineYaml(item));
                    }
                    else
                    {
                        var itemLines = YamlLines(item);
                        lines.Add("- " + itemLines[0]);
                        lines.AddRange(itemLines.Skip(1).Select(line => "  " + line));
                    }
                }

                break;
            default:
                lines.Add(InlineYaml(value));
                break;
        }

        return lines;
    }

    private static bool IsInline(object? value) => value switch
    {
        Dictionary<string, object?> map => map.Count == 0,
        List<object?> list => list.Count == 0,
        _ => true,
    };

    private static string InlineYaml(object? value) => value switch
    {
        null => "null",
        Dictionary<string, object?> => "{}",
        List<object?> => "[]",
        string s => Scalar(s),
        _ => Print(value),
    };

    private static string Scalar(string text)
    {
        var plain = text.Length > 0
            && (char.IsLetter(text[0]) || text[0] is '/' or '_')
            && text.All(c => char.IsLetterOrDigit(c) || c is '.' or '/' or '-' or '_')
            && text is not ("true" or "false" or "null" or "yes" or "no" or "on" or "off" or "y" or "n" or "True" or "False" or "Null" or "NULL" or "TRUE" or "FALSE");
        return plain ? text : JsonSerializer.Serialize(text, QuoteOptions);
    }

    private static object? FromJson(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(p => p.Key, p => FromJson(p.Value), StringComparer.Ordinal),
        JsonArray array => array.Select(FromJson).ToList(),
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => value.TryGetValue<long>(out var l) ? l : value.GetValue<double>(),
            _ => null,
        },
        _ => null,
    };
}
