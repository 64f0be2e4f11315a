using Dapper;

namespace Scrapbook.Gallery.Api.Data;

/// <summary>
/// <c>column IN (@id0, @id1, …)</c> for a list of ids, one parameter each. Dapper's own <c>IN @ids</c> does not serve
/// both engines: with Npgsql it sends the array as one parameter (which needs <c>= ANY</c>), and with SQLite it skips
/// the Guid type handler, so the ids would not match the text the table holds.
/// </summary>
internal static class SqlIdList
{
    public static string In(string column, IReadOnlyList<Guid> ids, DynamicParameters parameters, string prefix = "id")
    {
        ArgumentOutOfRangeException.ThrowIfZero(ids.Count);
        var names = new string[ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            names[i] = $"@{prefix}{i}";
            parameters.Add(names[i][1..], ids[i]);
        }

        return $"{column} IN ({string.Join(", ", names)})";
    }
}
