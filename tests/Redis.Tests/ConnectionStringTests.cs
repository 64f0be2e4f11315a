namespace Scrapbook.Redis.Tests;

public sealed class ConnectionStringTests
{
    [Fact]
    public void HostAndPortAreReadAndEverythingElseKeepsItsDefault()
    {
        var options = RedisConnectionOptions.Parse("cache.internal:6380");

        Assert.Equal("cache.internal", options.Host);
        Assert.Equal(6380, options.Port);
        Assert.Null(options.Password);
        Assert.Null(options.User);
        Assert.False(options.Ssl);
        Assert.Equal(0, options.Database);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ConnectTimeout);
    }

    [Fact]
    public void PortDefaultsTo6379()
    {
        Assert.Equal(6379, RedisConnectionOptions.Parse("localhost").Port);
    }

    [Fact]
    public void StackExchangeRedisOptionsAreReadCaseInsensitively()
    {
        var options = RedisConnectionOptions.Parse(
            "redis.example.com:6380, Password=s3cr=t ,user=app,SSL=True,sslHost=redis.example.com,connectTimeout=1500,asyncTimeout=2500,defaultDatabase=3,name=gallery");

        Assert.Equal("s3cr=t", options.Password);
        Assert.Equal("app", options.User);
        Assert.True(options.Ssl);
        Assert.Equal("redis.example.com", options.SslHost);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), options.ResponseTimeout);
        Assert.Equal(3, options.Database);
        Assert.Equal("gallery", options.ClientName);
    }

    [Fact]
    public void UnknownKeysAreIgnoredSoAspireGeneratedStringsWork()
    {
        var options = RedisConnectionOptions.Parse("localhost:6379,abortConnect=false,allowAdmin=true,whatever=1");

        Assert.Equal("localhost", options.Host);
    }

    [Fact]
    public void BracketedIpv6EndpointsAreRead()
    {
        var options = RedisConnectionOptions.Parse("[::1]:7000");

        Assert.Equal("::1", options.Host);
        Assert.Equal(7000, options.Port);
    }

    [Theory]
    [InlineData("", "no endpoint")]
    [InlineData("password=x", "no endpoint")]
    [InlineData("localhost:abc", "port 'abc'")]
    [InlineData("localhost:70000", "port '70000'")]
    [InlineData("localhost:6379,ssl=maybe", "'ssl' must be true or false")]
    [InlineData("localhost:6379,connectTimeout=soon", "'connectTimeout' must be a whole number")]
    [InlineData("localhost:6379,defaultDatabase=-1", "'defaultDatabase' must be a whole number")]
    [InlineData("a:1,b:2", "more than one endpoint")]
    [InlineData("localhost:6379,user=app", "'user' is set but 'password' is not")]
    [InlineData("::1:6379", "IPv6")]
    public void MalformedStringsAreRejectedWithAMessageNamingTheProblem(string connectionString, string expected)
    {
        var error = Assert.Throws<FormatException>(() => RedisConnectionOptions.Parse(connectionString));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToStringNeverShowsThePassword()
    {
        var options = RedisConnectionOptions.Parse("localhost:6379,password=hunter2");

        Assert.DoesNotContain("hunter2", options.ToString(), StringComparison.Ordinal);
        Assert.Contains("password=*****", options.ToString(), StringComparison.Ordinal);
    }
}
