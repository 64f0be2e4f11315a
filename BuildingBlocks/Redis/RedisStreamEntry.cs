namespace Scrapbook.Redis;

/// <summary>One entry of a Redis stream: its id (<c>ms-seq</c>) and its field/value pairs in the order they were added.</summary>
public sealed record RedisStreamEntry(string Id, IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    /// <summary>The value of the first field named <paramref name="name"/>, or null.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (var field in Fields)
            {
                if (field.Key == name)
                {
                    return field.Value;
                }
            }

            return null;
        }
    }
}

/// <summary>A stream to read and the id after which to read it (<c>$</c> for "only entries added from now on").</summary>
public sealed record RedisStreamPosition(string Key, string AfterId);

/// <summary>The entries one stream returned to <c>XREAD</c>.</summary>
public sealed record RedisStreamReadResult(string Key, IReadOnlyList<RedisStreamEntry> Entries);
