using System.Security.Cryptography;
using System.Text;

namespace Scrapbook.ServiceDefaults;

/// <summary>
/// How a secret that is only ever compared is kept: the lowercase hex SHA-256 of its ASCII text. Owner tokens, share links
/// and pairing codes are stored and looked up this way, so a database leak does not leak working secrets.
/// </summary>
public static class SecretHash
{
    public static string Of(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(secret)));
    }
}
