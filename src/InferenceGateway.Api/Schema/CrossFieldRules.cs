using System.Text.Json.Nodes;

namespace InferenceGateway.Api.Schema;

/// <summary>
/// A rule that looks at more than one field (kubebuilder's `XValidation`): emitted into the CRD as an
/// `x-kubernetes-validations` CEL rule, and checked here by <see cref="Holds"/> so `validate` and the file source
/// reject what the API server would. On a class it applies to the object; on a property, to the property's value.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, AllowMultiple = true)]
internal abstract class CrossFieldRuleAttribute(string rule, string message) : Attribute
{
    /// <summary>The CEL expression the API server evaluates.</summary>
    public string Rule { get; } = rule;

    /// <summary>The message the API server reports when the rule does not hold.</summary>
    public string Message { get; } = message;

    /// <summary>True when the (defaulted) value satisfies the rule; a value of the wrong shape counts as satisfying it (its type error is reported elsewhere).</summary>
    public abstract bool Holds(JsonNode value);
}

/// <summary>Every item of the array has a different value of <c>field</c> (e.g. unique port numbers).</summary>
internal sealed class UniqueByAttribute(string field, string message)
    : CrossFieldRuleAttribute($"self.all(p1, self.exists_one(p2, p1.{field}==p2.{field}))", message)
{
    public override bool Holds(JsonNode value)
    {
        if (value is not JsonArray items)
        {
            return true;
        }

        for (var i = 0; i < items.Count; i++)
        {
            for (var j = i + 1; j < items.Count; j++)
            {
                if (items[i] is JsonObject a && items[j] is JsonObject b && a[field] is { } x && b[field] is { } y && JsonNode.DeepEquals(x, y))
                {
                    return false;
                }
            }
        }

        return true;
    }
}

/// <summary>Either every item of the array sets <c>field</c> or none does (e.g. target weights).</summary>
internal sealed class AllOrNoneAttribute(string field, string message)
    : CrossFieldRuleAttribute($"self.all(model, has(model.{field})) || self.all(model, !has(model.{field}))", message)
{
    public override bool Holds(JsonNode value)
    {
        if (value is not JsonArray items)
        {
            return true;
        }

        int with = 0, objects = 0;
        foreach (var item in items)
        {
            if (item is JsonObject obj)
            {
                objects++;
                if (obj[field] is not null)
                {
                    with++;
                }
            }
        }

        return with == 0 || with == objects;
    }
}

/// <summary>The object must set <c>field</c> when its <c>discriminator</c> field equals <c>value</c> (after defaulting).</summary>
internal sealed class RequiredWhenAttribute(string field, string discriminator, string value, string message)
    : CrossFieldRuleAttribute($"self.{discriminator} != '{value}' || has(self.{field})", message)
{
    public override bool Holds(JsonNode node)
    {
        if (node is not JsonObject obj)
        {
            return true;
        }

        var matches = obj[discriminator] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String && v.GetValue<string>() == value;
        return !matches || obj[field] is not null;
    }
}
