namespace Scrapbook.Imaging.Interop;

/// <summary>Reads a native buffer that is only valid during the call.</summary>
internal delegate T BlobReader<T>(ReadOnlySpan<byte> bytes);

/// <summary>
/// One libvips operation called through its generic API: create by nickname, set arguments,
/// build (with the operation cache off, building is running), read outputs, release outputs.
/// This is how every optional argument is reached without calling C varargs functions.
/// </summary>
internal sealed class VipsOperation : IDisposable
{
    private readonly string _name;
    private GObjectHandle _operation;
    private bool _built;

    private VipsOperation(string name, GObjectHandle operation)
    {
        _name = name;
        _operation = operation;
    }

    public static VipsOperation Create(string name)
    {
        var pointer = NativeMethods.OperationNew(name);
        if (pointer == 0)
        {
            throw VipsException.FromErrorBuffer(name);
        }

        return new VipsOperation(name, new OwnedObject(pointer));
    }

    public VipsOperation Set(string name, int value)
    {
        var gvalue = default(GValue);
        NativeMethods.ValueInit(ref gvalue, NativeMethods.GTypeInt);
        NativeMethods.ValueSetInt(ref gvalue, value);
        return SetAndUnset(name, ref gvalue);
    }

    public VipsOperation Set(string name, bool value)
    {
        var gvalue = default(GValue);
        NativeMethods.ValueInit(ref gvalue, NativeMethods.GTypeBoolean);
        NativeMethods.ValueSetBoolean(ref gvalue, value ? 1 : 0);
        return SetAndUnset(name, ref gvalue);
    }

    public VipsOperation Set(string name, double value)
    {
        var gvalue = default(GValue);
        NativeMethods.ValueInit(ref gvalue, NativeMethods.GTypeDouble);
        NativeMethods.ValueSetDouble(ref gvalue, value);
        return SetAndUnset(name, ref gvalue);
    }

    public VipsOperation Set(string name, string value)
    {
        var gvalue = default(GValue);
        NativeMethods.ValueInit(ref gvalue, NativeMethods.GTypeString);
        NativeMethods.ValueSetString(ref gvalue, value);
        return SetAndUnset(name, ref gvalue);
    }

    /// <summary>Sets an enum or flags argument by its nickname (e.g. access = "sequential").</summary>
    public VipsOperation SetEnum(string name, string nick)
    {
        if (NativeMethods.ObjectSetArgumentFromString(_operation.DangerousGetHandle(), name, nick) != 0)
        {
            throw VipsException.FromErrorBuffer($"{_name} {name}={nick}");
        }

        return this;
    }

    /// <summary>Sets an array-of-doubles argument (linear's a and b, flatten's background).</summary>
    public VipsOperation SetArray(string name, params ReadOnlySpan<double> values)
    {
        var text = new string[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            text[i] = values[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        }

        return SetEnum(name, string.Join(' ', text));
    }

    public VipsOperation Set(string name, VipsImageHandle image) => SetObject(name, image, NativeMethods.ImageGetType());

    public VipsOperation Set(string name, VipsSourceHandle source) => SetObject(name, source, NativeMethods.SourceGetType());

    /// <summary>Runs the operation. libvips' error buffer becomes a <see cref="VipsException"/>.</summary>
    public VipsOperation Build()
    {
        var built = NativeMethods.CacheOperationBuild(_operation.DangerousGetHandle());
        if (built == 0)
        {
            var error = VipsException.FromErrorBuffer(_name);
            NativeMethods.ObjectUnrefOutputs(_operation.DangerousGetHandle());
            throw error;
        }

        // The build may hand back a different (equivalent) operation; keep that one.
        _operation.Dispose();
        _operation = new OwnedObject(built);
        _built = true;
        return this;
    }

    /// <summary>An image output, with its own reference.</summary>
    public VipsImageHandle GetImage(string name)
    {
        var gvalue = default(GValue);
        NativeMethods.ValueInit(ref gvalue, NativeMethods.ImageGetType());
        NativeMethods.ObjectGetProperty(_operation.DangerousGetHandle(), name, ref gvalue);
        try
        {
            var image = NativeMethods.ValueGetObject(ref gvalue);
            if (image == 0)
            {
                throw new VipsException($"libvips {_name} produced no {name}.");
            }

            return VipsImageHandle.Own(NativeMethods.ObjectRef(image), _name);
        }
        finally
        {
            NativeMethods.ValueUnset(ref gvalue);
        }
    }

    /// <summary>
    /// A blob output (a saver's buffer), handed to <paramref name="read"/> in place: whatever it
    /// makes of the bytes (usually their one managed copy) must not keep the span.
    /// </summary>
    public T GetBlob<T>(string name, BlobReader<T> read)
    {
        var gvalue = default(GValue);
        NativeMethods.ValueInit(ref gvalue, NativeMethods.BlobGetType());
        NativeMethods.ObjectGetProperty(_operation.DangerousGetHandle(), name, ref gvalue);
        try
        {
            var area = NativeMethods.ValueGetBoxed(ref gvalue);
            if (area == 0)
            {
                throw new VipsException($"libvips {_name} produced no {name}.");
            }

            var data = NativeMethods.AreaGetData(area, out var length, out _, out _, out _);
            unsafe
            {
                return read(new ReadOnlySpan<byte>((void*)data, checked((int)length)));
            }
        }
        finally
        {
            NativeMethods.ValueUnset(ref gvalue);
        }
    }

    public void Dispose()
    {
        if (_built)
        {
            // Outputs hold references back to the operation; drop them so it can be freed.
            NativeMethods.ObjectUnrefOutputs(_operation.DangerousGetHandle());
            _built = false;
        }

        _operation.Dispose();
    }

    private VipsOperation SetObject(string name, GObjectHandle value, nuint type)
    {
        var gvalue = default(GValue);
        NativeMethods.ValueInit(ref gvalue, type);
        NativeMethods.ValueSetObject(ref gvalue, value.DangerousGetHandle());
        return SetAndUnset(name, ref gvalue);
    }

    private VipsOperation SetAndUnset(string name, ref GValue gvalue)
    {
        try
        {
            NativeMethods.ObjectSetProperty(_operation.DangerousGetHandle(), name, ref gvalue);
        }
        finally
        {
            NativeMethods.ValueUnset(ref gvalue);
        }

        return this;
    }

    private sealed class OwnedObject : GObjectHandle
    {
        public OwnedObject(nint pointer)
            : base(pointer)
        {
        }
    }
}
