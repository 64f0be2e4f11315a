namespace Scrapbook.Hosting.Telemetry;

/// <summary>A fixed-capacity buffer that overwrites its oldest item: O(1) add, no allocation after it fills. Not thread-safe.</summary>
internal sealed class RingBuffer<T>(int capacity)
{
    private readonly T[] _items = new T[capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity))];
    private int _next;

    public int Count { get; private set; }

    public void Add(T item)
    {
        _items[_next] = item;
        _next = (_next + 1) % _items.Length;
        Count = Math.Min(Count + 1, _items.Length);
    }

    /// <summary>Newest first.</summary>
    public IEnumerable<T> NewestFirst()
    {
        for (var i = 1; i <= Count; i++)
        {
            yield return _items[(_next - i + _items.Length) % _items.Length];
        }
    }

    public List<T> ToListOldestFirst()
    {
        var list = new List<T>(Count);
        for (var i = Count; i >= 1; i--)
        {
            list.Add(_items[(_next - i + _items.Length) % _items.Length]);
        }

        return list;
    }
}
