using System.Runtime.InteropServices;

using Scrapbook.Imaging.Interop;

namespace Scrapbook.Imaging;

/// <summary>A libvips call failed; the message is libvips' own error buffer.</summary>
public sealed class VipsException : Exception
{
    public VipsException(string message)
        : base(message)
    {
    }

    public VipsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Takes (and clears) libvips' error buffer.</summary>
    internal static VipsException FromErrorBuffer(string operation)
    {
        // The buffer is process-wide: under concurrency it may also hold another operation's
        // message, so the operation that failed is named first.
        var copy = NativeMethods.ErrorBufferCopy();
        string detail;
        try
        {
            detail = copy == 0 ? string.Empty : (Marshal.PtrToStringUTF8(copy) ?? string.Empty).Trim();
        }
        finally
        {
            if (copy != 0)
            {
                NativeMethods.Free(copy);
            }
        }

        return new VipsException(detail.Length == 0 ? $"libvips {operation} failed." : $"libvips {operation} failed: {detail}");
    }
}
