namespace Aspire.Hosting.ApplicationModel;

public static class SqliteDatabaseBuilderExtensions
{
    /// <summary>
    /// A SQLite database file in the data folder, handed to its consumers as <c>ConnectionStrings__{name}</c>
    /// (<c>Data Source={data}/{name}.db</c>). There is no server to start: the consumer opens the file.
    /// </summary>
    public static IResourceBuilder<ConnectionStringResource> AddSqliteDatabase(this IDistributedApplicationBuilder builder, string name)
    {
        var path = Path.Combine(builder.GetDataDirectory(), name + ".db");
        return builder.AddConnectionString(name, ReferenceExpression.Create($"Data Source={path}"));
    }
}
