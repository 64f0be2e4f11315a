using System.Runtime.InteropServices;

namespace Scrapbook.Imaging.Interop;

/// <summary>
/// The parts of libvips 8.14, GObject, GLib and libtiff that Imaging calls. Only fixed-arity functions are
/// declared: libvips' varargs conveniences (vips_thumbnail, vips_webpsave_buffer, …) are reached
/// through the generic VipsOperation API instead, because C varargs cannot be called portably.
/// </summary>
internal static partial class NativeMethods
{
    private const string Vips = "libvips.so.42";
    private const string GObject = "libgobject-2.0.so.0";
    private const string GLib = "libglib-2.0.so.0";
    private const string Tiff = "libtiff.so.6";

    // GLib's fundamental type ids are G_TYPE_MAKE_FUNDAMENTAL(n) = n << 2, part of its stable ABI.
    internal const nuint GTypeBoolean = 5 << 2;
    internal const nuint GTypeInt = 6 << 2;
    internal const nuint GTypeDouble = 15 << 2;
    internal const nuint GTypeString = 16 << 2;

    // VipsBandFormat values.
    internal const int VipsFormatUchar = 0;
    internal const int VipsFormatUshort = 2;
    internal const int VipsFormatFloat = 6;
    internal const int VipsFormatDouble = 8;

    // VipsInterpretation values: the device spaces (grey, RGB, CMYK, unnamed bands).
    internal const int VipsInterpretationMultiband = 0;
    internal const int VipsInterpretationBw = 1;
    internal const int VipsInterpretationCmyk = 15;
    internal const int VipsInterpretationRgb = 17;
    internal const int VipsInterpretationSrgb = 22;
    internal const int VipsInterpretationRgb16 = 25;
    internal const int VipsInterpretationGrey16 = 26;

    [LibraryImport(Vips, EntryPoint = "vips_init", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Init(string argv0);

    [LibraryImport(Vips, EntryPoint = "vips_version")]
    internal static partial int Version(int flag);

    [LibraryImport(Vips, EntryPoint = "vips_block_untrusted_set")]
    internal static partial void BlockUntrustedSet([MarshalAs(UnmanagedType.Bool)] bool state);

    [LibraryImport(Vips, EntryPoint = "vips_operation_block_set", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void OperationBlockSet(string name, [MarshalAs(UnmanagedType.Bool)] bool state);

    [LibraryImport(Vips, EntryPoint = "vips_cache_set_max")]
    internal static partial void CacheSetMax(int max);

    [LibraryImport(Vips, EntryPoint = "vips_cache_set_max_mem")]
    internal static partial void CacheSetMaxMem(nuint maxMem);

    [LibraryImport(Vips, EntryPoint = "vips_cache_set_max_files")]
    internal static partial void CacheSetMaxFiles(int maxFiles);

    [LibraryImport(Vips, EntryPoint = "vips_concurrency_set")]
    internal static partial void ConcurrencySet(int concurrency);

    [LibraryImport(Vips, EntryPoint = "vips_error_buffer_copy")]
    internal static partial nint ErrorBufferCopy();

    [LibraryImport(Vips, EntryPoint = "vips_error_clear")]
    internal static partial void ErrorClear();

    [LibraryImport(Vips, EntryPoint = "vips_operation_new", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint OperationNew(string name);

    [LibraryImport(Vips, EntryPoint = "vips_cache_operation_build")]
    internal static partial nint CacheOperationBuild(nint operation);

    [LibraryImport(Vips, EntryPoint = "vips_object_unref_outputs")]
    internal static partial void ObjectUnrefOutputs(nint vipsObject);

    [LibraryImport(Vips, EntryPoint = "vips_object_set_argument_from_string", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ObjectSetArgumentFromString(nint vipsObject, string name, string value);

    [LibraryImport(Vips, EntryPoint = "vips_source_new_from_file", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint SourceNewFromFile(string filename);

    [LibraryImport(Vips, EntryPoint = "vips_source_new_from_memory")]
    internal static partial nint SourceNewFromMemory(nint data, nuint length);

    [LibraryImport(Vips, EntryPoint = "vips_image_new_from_memory_copy")]
    internal static partial nint ImageNewFromMemoryCopy(nint data, nuint size, int width, int height, int bands, int format);

    [LibraryImport(Vips, EntryPoint = "vips_image_copy_memory")]
    internal static partial nint ImageCopyMemory(nint image);

    [LibraryImport(Vips, EntryPoint = "vips_image_write_to_memory")]
    internal static partial nint ImageWriteToMemory(nint image, out nuint size);

    [LibraryImport(Vips, EntryPoint = "vips_image_get_width")]
    internal static partial int ImageGetWidth(nint image);

    [LibraryImport(Vips, EntryPoint = "vips_image_get_height")]
    internal static partial int ImageGetHeight(nint image);

    [LibraryImport(Vips, EntryPoint = "vips_image_get_bands")]
    internal static partial int ImageGetBands(nint image);

    [LibraryImport(Vips, EntryPoint = "vips_image_get_format")]
    internal static partial int ImageGetFormat(nint image);

    [LibraryImport(Vips, EntryPoint = "vips_image_get_n_pages")]
    internal static partial int ImageGetNPages(nint image);

    [LibraryImport(Vips, EntryPoint = "vips_image_get_orientation")]
    internal static partial int ImageGetOrientation(nint image);

    [LibraryImport(Vips, EntryPoint = "vips_image_get_interpretation")]
    internal static partial int ImageGetInterpretation(nint image);

    [LibraryImport(Vips, EntryPoint = "vips_image_get_blob", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ImageGetBlob(nint image, string name, out nint data, out nuint length);

    [LibraryImport(Vips, EntryPoint = "vips_icc_is_compatible_profile")]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool IccIsCompatibleProfile(nint image, nint data, nuint length);

    [LibraryImport(Vips, EntryPoint = "vips_image_hasalpha")]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool ImageHasAlpha(nint image);

    [LibraryImport(Vips, EntryPoint = "vips_image_get_typeof", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nuint ImageGetTypeof(nint image, string name);

    [LibraryImport(Vips, EntryPoint = "vips_image_get_fields")]
    internal static partial nint ImageGetFields(nint image);

    [LibraryImport(Vips, EntryPoint = "vips_image_remove")]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool ImageRemove(nint image, nint name);

    [LibraryImport(Vips, EntryPoint = "vips_image_remove", StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool ImageRemoveField(nint image, string name);

    [LibraryImport(Vips, EntryPoint = "vips_image_get_type")]
    internal static partial nuint ImageGetType();

    [LibraryImport(Vips, EntryPoint = "vips_source_get_type")]
    internal static partial nuint SourceGetType();

    [LibraryImport(Vips, EntryPoint = "vips_blob_get_type")]
    internal static partial nuint BlobGetType();

    [LibraryImport(Vips, EntryPoint = "vips_area_get_data")]
    internal static partial nint AreaGetData(nint area, out nuint length, out int n, out nuint type, out nuint sizeofType);

    [LibraryImport(GObject, EntryPoint = "g_object_unref")]
    internal static partial void ObjectUnref(nint gobject);

    [LibraryImport(GObject, EntryPoint = "g_object_ref")]
    internal static partial nint ObjectRef(nint gobject);

    [LibraryImport(GObject, EntryPoint = "g_object_set_property", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void ObjectSetProperty(nint gobject, string name, ref GValue value);

    [LibraryImport(GObject, EntryPoint = "g_object_get_property", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void ObjectGetProperty(nint gobject, string name, ref GValue value);

    [LibraryImport(GObject, EntryPoint = "g_value_init")]
    internal static partial nint ValueInit(ref GValue value, nuint type);

    [LibraryImport(GObject, EntryPoint = "g_value_unset")]
    internal static partial void ValueUnset(ref GValue value);

    [LibraryImport(GObject, EntryPoint = "g_value_set_int")]
    internal static partial void ValueSetInt(ref GValue value, int v);

    [LibraryImport(GObject, EntryPoint = "g_value_set_boolean")]
    internal static partial void ValueSetBoolean(ref GValue value, int v);

    [LibraryImport(GObject, EntryPoint = "g_value_set_double")]
    internal static partial void ValueSetDouble(ref GValue value, double v);

    [LibraryImport(GObject, EntryPoint = "g_value_set_string", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void ValueSetString(ref GValue value, string v);

    [LibraryImport(GObject, EntryPoint = "g_value_set_object")]
    internal static partial void ValueSetObject(ref GValue value, nint v);

    [LibraryImport(GObject, EntryPoint = "g_value_get_object")]
    internal static partial nint ValueGetObject(ref GValue value);

    [LibraryImport(GObject, EntryPoint = "g_value_get_boxed")]
    internal static partial nint ValueGetBoxed(ref GValue value);

    /// <summary>Whether the libtiff libvips uses can decode a compression scheme (nonzero: yes).</summary>
    [LibraryImport(Tiff, EntryPoint = "TIFFIsCODECConfigured")]
    internal static partial int TiffIsCodecConfigured(ushort scheme);

    [LibraryImport(GLib, EntryPoint = "g_strfreev")]
    internal static partial void StrFreev(nint strings);

    [LibraryImport(GLib, EntryPoint = "g_free")]
    internal static partial void Free(nint memory);
}

/// <summary>GLib's GValue: a type id and two words of payload, zeroed before g_value_init.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct GValue
{
    private nuint _type;
    private ulong _data0;
    private ulong _data1;
}
