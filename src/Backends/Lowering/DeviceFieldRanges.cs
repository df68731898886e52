using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using SparseBert.IR;

namespace SparseBert.Backends;

/// <summary>
/// The values one numeric field of a device profile may take, written beside the field: wide enough for every real
/// board or GPU, narrow enough that the simulators' arithmetic (cycles counted in a long, rates divided by clocks,
/// one array slot per SM) stays finite, exact and quick. A value outside is refused, never clamped.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PhysicalRangeAttribute(double minimum, double maximum) : Attribute
{
    public double Minimum { get; } = minimum;
    public double Maximum { get; } = maximum;
}

/// <summary>
/// Checks a device file's fields against the profile record it will become, before deserializing it: every
/// non-nullable property must be present; a <see cref="PhysicalRangeAttribute"/> one must be a number in its range
/// (and a whole number for an integer property), a string one a string. Nullable properties (board, memory, sources)
/// are descriptive and may be left out.
/// </summary>
public static class DeviceFieldRanges
{
    /// <summary>The JSON name and range of every ranged field of <paramref name="profile"/>, in declaration order.</summary>
    public static IReadOnlyList<(string Field, PhysicalRangeAttribute Range)> Of(Type profile) =>
        [.. Fields(profile).Where(f => f.Range is not null).Select(f => (f.Name, f.Range!))];

    internal static void Check(Type profile, JsonElement root, string source)
    {
        foreach (var (name, property, range) in Fields(profile))
        {
            bool present = root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;
            if (!present)
            {
                if (IsNullable(property)) continue;
                throw new BadInputException(source, null, $"field \"{name}\" is missing" + (range is null ? "" : $" (a number in {Describe(range)})"));
            }
            if (range is null)
            {
                if (property.PropertyType == typeof(string) && value.ValueKind != JsonValueKind.String)
                    throw new BadInputException(source, null, $"field \"{name}\" is not a string");
                continue;
            }
            bool integral = property.PropertyType == typeof(int) || property.PropertyType == typeof(long);
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double number))
                throw new BadInputException(source, null, $"field \"{name}\" is not a number in {Describe(range)}");
            if (!(number >= range.Minimum && number <= range.Maximum))
                throw new BadInputException(source, null,
                    $"field \"{name}\" is {number.ToString(CultureInfo.InvariantCulture)}, outside the physical range {Describe(range)}");
            if (integral && !value.TryGetInt64(out _))
                throw new BadInputException(source, null, $"field \"{name}\" is not a whole number (written without a fraction or exponent)");
        }
    }

    static string Describe(PhysicalRangeAttribute range) =>
        string.Create(CultureInfo.InvariantCulture, $"[{range.Minimum:G6}, {range.Maximum:G6}]");

    static IEnumerable<(string Name, PropertyInfo Property, PhysicalRangeAttribute? Range)> Fields(Type profile) =>
        profile.GetProperties()
            .Select(p => (Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name, Property: p, Range: p.GetCustomAttribute<PhysicalRangeAttribute>()))
            .Where(f => f.Name is not null)
            .Select(f => (f.Name!, f.Property, f.Range))
            .OrderBy(f => f.Property.MetadataToken);

    static bool IsNullable(PropertyInfo property) =>
        Nullable.GetUnderlyingType(property.PropertyType) is not null
        || !property.PropertyType.IsValueType && new NullabilityInfoContext().Create(property).ReadState == NullabilityState.Nullable;
}
