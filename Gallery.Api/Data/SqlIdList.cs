using Dapper;

namespace Scrapbook.Gallery.Api.Data;

/// <summary>
/// <c>column IN (@id0, @id1, …)</c> for a list of ids, one parameter each. Dapper's own <c>IN @ids</c> does not serve
/// both engines: with Npgsql it sends the array as one parameter (which needs <c>= ANY</c>), and with SQLite it skips
/// the Guid type handler, so the ids would not match the text the table holds.
/// </summary>
internal static class SqlIdList
{
    public static string In(string column, IReadOnlyList<Guid> ids, DynamicParameters parameters, string prefix = "id") =>
        InCore(column, ids, parameters, prefix);

    /// <summary>As for ids, for text values (content hashes): one parameter each, the same SQL on both engines.</summary>
    public static string In(string column, IReadOnlyList<string> values, DynamicParameters parameters, string prefix = "value") =>
        InCore(column, values, parameters, prefix);

    private static string InCore<T>(string column, IReadOnlyList<T> values, DynamicParameters parameters, string prefix)
    {
        ArgumentOutOfRangeException.ThrowIfZero(values.Count);
        var names = new string[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            names[i] = $"@{prefix}{i}";
            parameters.Add(names[i][1..], values[i]);
        }

        return $"{column} IN ({string.Join(", ", names)})";
    }
}
