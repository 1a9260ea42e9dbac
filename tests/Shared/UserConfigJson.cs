using System.Text.Json;

namespace Mxcp.Tests.Shared;

/// <summary>User configurations as the runtime hands them to a secret provider: JSON, references already resolved.</summary>
public static class UserConfigJson
{
    /// <summary><c>{"mxcp": 1, "&lt;name&gt;": {...}}</c>: the block's keys, then the properties of <paramref name="extra"/> over them.</summary>
    public static JsonElement WithBlock(string name, IReadOnlyDictionary<string, object?> keys, object? extra = null)
    {
        var block = new Dictionary<string, object?>(keys);
        if (extra is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(extra).EnumerateObject())
            {
                block[property.Name] = property.Value;
            }
        }

        return JsonSerializer.SerializeToElement(new Dictionary<string, object?> { ["mxcp"] = 1, [name] = block });
    }
}
