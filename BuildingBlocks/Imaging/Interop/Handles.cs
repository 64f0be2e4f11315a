using Microsoft.Win32.SafeHandles;

namespace Scrapbook.Imaging.Interop;

/// <summary>A reference to a GObject (VipsImage, VipsSource, VipsOperation), released with g_object_unref.</summary>
internal class GObjectHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public GObjectHandle()
        : base(ownsHandle: true)
    {
    }

    protected GObjectHandle(nint handle)
        : base(ownsHandle: true)
    {
        SetHandle(handle);
    }

    protected override bool ReleaseHandle()
    {
        NativeMethods.ObjectUnref(handle);
        return true;
    }
}

/// <summary>A VipsImage reference. Images are lazy: holding one may keep its source open.</summary>
internal sealed class VipsImageHandle : GObjectHandle
{
    public VipsImageHandle()
    {
    }

    private VipsImageHandle(nint handle)
        : base(handle)
    {
    }

    /// <summary>Takes ownership of a reference returned by libvips; throws with libvips' message when it is null.</summary>
    public static VipsImageHandle Own(nint image, string operation)
    {
        if (image == 0)
        {
            throw VipsException.FromErrorBuffer(operation);
        }

        return new VipsImageHandle(image);
    }

    public int Width => NativeMethods.ImageGetWidth(Pointer);

    public int Height => NativeMethods.ImageGetHeight(Pointer);

    public int Bands => NativeMethods.ImageGetBands(Pointer);

    public int BandFormat => NativeMethods.ImageGetFormat(Pointer);

    public bool HasAlpha => NativeMethods.ImageHasAlpha(Pointer);

    /// <summary>EXIF orientation 1–8 as the loader read it (1 when absent).</summary>
    public int Orientation => NativeMethods.ImageGetOrientation(Pointer);

    /// <summary>Frames (pages) the file declares, not how many were loaded.</summary>
    public int Pages => NativeMethods.ImageGetNPages(Pointer);

    public int Interpretation => NativeMethods.ImageGetInterpretation(Pointer);

    /// <summary>Whether the image carries an embedded ICC profile.</summary>
    public bool HasIccProfile => NativeMethods.ImageGetTypeof(Pointer, IccProfileField) != 0;

    /// <summary>
    /// Whether the embedded profile can transform these pixels: its colour space has the image's
    /// number of colour bands (a greyscale image converted from RGB often keeps the RGB profile).
    /// </summary>
    public bool HasCompatibleIccProfile =>
        HasIccProfile
        && NativeMethods.ImageGetBlob(Pointer, IccProfileField, out var data, out var length) == 0
        && NativeMethods.IccIsCompatibleProfile(Pointer, data, length);

    private const string IccProfileField = "icc-profile-data";

    /// <summary>Drops the embedded ICC profile from an image this code owns alone.</summary>
    public void RemoveIccProfile() => NativeMethods.ImageRemoveField(Pointer, IccProfileField);

    /// <summary>
    /// Drops every metadata item (EXIF, XMP, IPTC, ICC, comments, animation fields) from an image
    /// this code owns alone, so no saver can write any of it whatever its strip option does.
    /// </summary>
    public void RemoveAllMetadata()
    {
        var fields = NativeMethods.ImageGetFields(Pointer);
        if (fields == 0)
        {
            return;
        }

        try
        {
            unsafe
            {
                // Header fields (width, height, …) are not metadata: removing them is a no-op.
                for (var name = (nint*)fields; *name != 0; name++)
                {
                    NativeMethods.ImageRemove(Pointer, *name);
                }
            }
        }
        finally
        {
            NativeMethods.StrFreev(fields);
        }
    }

    /// <summary>The raw pointer, valid only while this handle is alive (callers keep it alive).</summary>
    public nint Pointer => DangerousGetHandle();

    /// <summary>Decodes the whole pipeline behind this image into memory.</summary>
    public VipsImageHandle CopyMemory() => Own(NativeMethods.ImageCopyMemory(Pointer), "copy_memory");

    /// <summary>The image's pixels, band-interleaved, in its own band format.</summary>
    public byte[] ToArray()
    {
        using var buffer = GLibBufferHandle.Own(NativeMethods.ImageWriteToMemory(Pointer, out var size), "write_to_memory");
        return buffer.ToArray(checked((int)size));
    }

    public static VipsImageHandle FromPixels(ReadOnlySpan<byte> pixels, int width, int height, int bands)
    {
        unsafe
        {
            fixed (byte* data = pixels)
            {
                return Own(NativeMethods.ImageNewFromMemoryCopy((nint)data, (nuint)pixels.Length, width, height, bands, NativeMethods.VipsFormatUchar), "new_from_memory_copy");
            }
        }
    }
}

/// <summary>A VipsSource reference: where a loader reads the file from.</summary>
internal sealed class VipsSourceHandle : GObjectHandle
{
    public VipsSourceHandle()
    {
    }

    private VipsSourceHandle(nint handle)
        : base(handle)
    {
    }

    public static VipsSourceHandle FromFile(string path) =>
        Own(NativeMethods.SourceNewFromFile(path), "source_new_from_file");

    /// <summary>A source over memory that the caller keeps alive (and unmoved) for the source's lifetime.</summary>
    public static VipsSourceHandle FromMemory(nint data, nuint length) =>
        Own(NativeMethods.SourceNewFromMemory(data, length), "source_new_from_memory");

    private static VipsSourceHandle Own(nint source, string operation) =>
        source == 0 ? throw VipsException.FromErrorBuffer(operation) : new VipsSourceHandle(source);
}

/// <summary>Memory allocated by GLib (g_malloc) and handed to us: released with g_free.</summary>
internal sealed class GLibBufferHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public GLibBufferHandle()
        : base(ownsHandle: true)
    {
    }

    public static GLibBufferHandle Own(nint memory, string operation)
    {
        if (memory == 0)
        {
            throw VipsException.FromErrorBuffer(operation);
        }

        var buffer = new GLibBufferHandle();
        buffer.SetHandle(memory);
        return buffer;
    }

    public byte[] ToArray(int length)
    {
        var copy = GC.AllocateUninitializedArray<byte>(length);
        unsafe
        {
            new ReadOnlySpan<byte>((void*)handle, length).CopyTo(copy);
        }

        return copy;
    }

    protected override bool ReleaseHandle()
    {
        NativeMethods.Free(handle);
        return true;
    }
}
