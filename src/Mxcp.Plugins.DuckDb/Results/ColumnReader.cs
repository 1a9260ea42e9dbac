using System.Text.Json;
using System.Text.Json.Nodes;
using DuckDB.NET.Native;

namespace Mxcp.Plugins.DuckDb.Results;

/// <summary>
/// Reads one DuckDB vector of a data chunk into JSON, row by row, straight from the vector's memory and validity
/// mask. A reader is built once per result column from its logical type and re-attached to each chunk's vector. Every
/// value read adds its estimated JSON size to <see cref="Size"/>, which the result reader checks against the result
/// limits while it reads.
/// </summary>
internal abstract unsafe class ColumnReader
{
    /// <summary>The JSON size of <c>null</c>.</summary>
    private const int NullSize = 4;

    private ulong* _validity;

    /// <summary>Where the estimated JSON size of what this reader (and its children) read is added up.</summary>
    public JsonSizeCounter Size { get; private set; } = new();

    /// <summary>The vector's data buffer (meaning depends on the type).</summary>
    protected void* Data { get; private set; }

    /// <summary>Points the reader (and its children) at a vector of the current chunk.</summary>
    public virtual void Attach(nint vector)
    {
        Data = NativeMethods.Vectors.DuckDBVectorGetData(vector);
        _validity = NativeMethods.Vectors.DuckDBVectorGetValidity(vector);
    }

    /// <summary>The JSON value at <paramref name="row"/>, <see langword="null"/> for SQL NULL.</summary>
    public JsonNode? Read(ulong row)
    {
        if (_validity == null || (_validity[row >> 6] & (1UL << (int)(row & 63))) != 0)
        {
            return ReadValue(row);
        }

        Size.Bytes += NullSize;
        return null;
    }

    /// <summary>Writes the JSON value at <paramref name="row"/> (<c>null</c> for SQL NULL), counting it as <see cref="Read"/> does.</summary>
    public void Write(Utf8JsonWriter writer, ulong row)
    {
        if (_validity == null || (_validity[row >> 6] & (1UL << (int)(row & 63))) != 0)
        {
            WriteValue(writer, row);
            return;
        }

        Size.Bytes += NullSize;
        writer.WriteNullValue();
    }

    /// <summary>Points this reader and its children at one counter.</summary>
    public virtual void CountInto(JsonSizeCounter size) => Size = size;

    /// <summary>The JSON value of a valid (non-NULL) row.</summary>
    protected abstract JsonNode? ReadValue(ulong row);

    /// <summary>Writes the JSON value of a valid (non-NULL) row; by default the node <see cref="ReadValue"/> builds.</summary>
    protected virtual void WriteValue(Utf8JsonWriter writer, ulong row)
    {
        if (ReadValue(row) is { } node)
        {
            node.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}

/// <summary>Reads a fixed-size value and converts it.</summary>
/// <param name="convert">Builds the JSON value.</param>
/// <param name="jsonSize">The typical size of the value as JSON text; by default from the width of <typeparamref name="T"/>.</param>
/// <param name="write">Writes the same JSON as <paramref name="convert"/> without a node; without it the node is written.</param>
internal sealed unsafe class PrimitiveReader<T>(Func<T, JsonNode?> convert, int jsonSize = 0, Action<Utf8JsonWriter, T>? write = null) : ColumnReader
    where T : unmanaged
{
    private readonly int _jsonSize = jsonSize > 0 ? jsonSize : sizeof(T) switch { <= 2 => 6, 4 => 11, 8 => 20, _ => 40 };

    protected override JsonNode? ReadValue(ulong row)
    {
        Size.Bytes += _jsonSize;
        return convert(((T*)Data)[row]);
    }

    protected override void WriteValue(Utf8JsonWriter writer, ulong row)
    {
        if (write is null)
        {
            base.WriteValue(writer, row);
            return;
        }

        Size.Bytes += _jsonSize;
        write(writer, ((T*)Data)[row]);
    }
}

/// <summary>Reads a <c>duckdb_string_t</c> (VARCHAR, BLOB, BIT, BIGNUM, GEOMETRY) and converts its bytes.</summary>
/// <param name="convert">Builds the JSON value.</param>
/// <param name="expansion">How many JSON characters one byte becomes, in percent (base64: 134; bits: 800).</param>
/// <param name="isText">The bytes are the value's text (VARCHAR): valid UTF-8 is written as the JSON string as it is.</param>
internal sealed unsafe class StringReader(StringConverter convert, int expansion = 100, bool isText = false) : ColumnReader
{
    protected override JsonNode? ReadValue(ulong row)
    {
        var bytes = VectorText.Bytes((DuckDBString*)Data + row);
        Size.Bytes += 2 + (long)bytes.Length * expansion / 100;
        return convert(bytes);
    }

    protected override void WriteValue(Utf8JsonWriter writer, ulong row)
    {
        var bytes = VectorText.Bytes((DuckDBString*)Data + row);
        if (!isText || !System.Text.Unicode.Utf8.IsValid(bytes))
        {
            // Invalid UTF-8 becomes U+FFFD through the node, as when it is read.
            base.WriteValue(writer, row);
            return;
        }

        Size.Bytes += 2 + (long)bytes.Length * expansion / 100;
        writer.WriteStringValue(bytes);
    }
}

/// <summary>Converts the bytes of a string-like value.</summary>
internal delegate JsonNode? StringConverter(ReadOnlySpan<byte> bytes);

/// <summary>A column whose values are always NULL (type <c>"NULL"</c>).</summary>
internal sealed class NullReader : ColumnReader
{
    protected override JsonNode? ReadValue(ulong row) => null;
}

/// <summary>LIST: a JSON array of the child vector's slice for the row.</summary>
internal sealed unsafe class ListReader(ColumnReader child) : ColumnReader
{
    public override void Attach(nint vector)
    {
        base.Attach(vector);
        child.Attach(NativeMethods.Vectors.DuckDBListVectorGetChild(vector));
    }

    public override void CountInto(JsonSizeCounter size)
    {
        base.CountInto(size);
        child.CountInto(size);
    }

    protected override JsonNode? ReadValue(ulong row)
    {
        var entry = ((DuckDBListEntry*)Data)[row];
        Size.Bytes += 2 + (long)entry.Length;
        var array = new JsonArray();
        for (var i = entry.Offset; i < entry.Offset + entry.Length; i++)
        {
            array.Add(child.Read(i));
        }

        return array;
    }
}

/// <summary>ARRAY (fixed size): a JSON array of <c>size</c> consecutive child rows.</summary>
internal sealed class FixedArrayReader(ColumnReader child, ulong size) : ColumnReader
{
    public override void Attach(nint vector)
    {
        base.Attach(vector);
        child.Attach(NativeMethods.Vectors.DuckDBArrayVectorGetChild(vector));
    }

    public override void CountInto(JsonSizeCounter counter)
    {
        base.CountInto(counter);
        child.CountInto(counter);
    }

    protected override JsonNode? ReadValue(ulong row)
    {
        Size.Bytes += 2 + (long)size;
        var array = new JsonArray();
        for (var i = row * size; i < (row + 1) * size; i++)
        {
            array.Add(child.Read(i));
        }

        return array;
    }
}

/// <summary>STRUCT: a JSON object of the member vectors, in declaration order.</summary>
internal sealed class StructReader(string[] names, ColumnReader[] members) : ColumnReader
{
    private readonly int _keysSize = 2 + names.Sum(n => n.Length + 4);

    public override void CountInto(JsonSizeCounter size)
    {
        base.CountInto(size);
        foreach (var member in members)
        {
            member.CountInto(size);
        }
    }

    public override void Attach(nint vector)
    {
        base.Attach(vector);
        for (var i = 0; i < members.Length; i++)
        {
            members[i].Attach(NativeMethods.Vectors.DuckDBStructVectorGetChild(vector, i));
        }
    }

    protected override JsonNode? ReadValue(ulong row)
    {
        Size.Bytes += _keysSize;
        var obj = new JsonObject();
        for (var i = 0; i < members.Length; i++)
        {
            obj[names[i]] = members[i].Read(row);
        }

        return obj;
    }
}

/// <summary>
/// MAP (a LIST of key/value STRUCTs): a JSON object. String keys are used as they are; other keys are written as
/// their JSON text (<c>1</c>, <c>2024-01-01</c>, <c>{"a":1}</c>).
/// </summary>
internal sealed unsafe class MapReader(ColumnReader key, ColumnReader value) : ColumnReader
{
    public override void Attach(nint vector)
    {
        base.Attach(vector);
        var entries = NativeMethods.Vectors.DuckDBListVectorGetChild(vector);
        key.Attach(NativeMethods.Vectors.DuckDBStructVectorGetChild(entries, 0));
        value.Attach(NativeMethods.Vectors.DuckDBStructVectorGetChild(entries, 1));
    }

    public override void CountInto(JsonSizeCounter size)
    {
        base.CountInto(size);
        key.CountInto(size);
        value.CountInto(size);
    }

    protected override JsonNode? ReadValue(ulong row)
    {
        var entry = ((DuckDBListEntry*)Data)[row];
        Size.Bytes += 2 + 2 * (long)entry.Length;
        var obj = new JsonObject();
        for (var i = entry.Offset; i < entry.Offset + entry.Length; i++)
        {
            obj[KeyText(key.Read(i))] = value.Read(i);
        }

        return obj;
    }

    private static string KeyText(JsonNode? key) => key switch
    {
        null => "null",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => key.ToJsonString(),
    };
}

/// <summary>UNION (a STRUCT of a tag and one vector per member): the active member's value.</summary>
internal sealed unsafe class UnionReader(ColumnReader[] members) : ColumnReader
{
    private byte* _tags;

    public override void Attach(nint vector)
    {
        base.Attach(vector);
        _tags = (byte*)NativeMethods.Vectors.DuckDBVectorGetData(NativeMethods.Vectors.DuckDBStructVectorGetChild(vector, 0));
        for (var i = 0; i < members.Length; i++)
        {
            members[i].Attach(NativeMethods.Vectors.DuckDBStructVectorGetChild(vector, i + 1));
        }
    }

    public override void CountInto(JsonSizeCounter size)
    {
        base.CountInto(size);
        foreach (var member in members)
        {
            member.CountInto(size);
        }
    }

    protected override JsonNode? ReadValue(ulong row) => members[_tags[row]].Read(row);
}

/// <summary>The estimated JSON size of what the readers of one result have read so far, in bytes.</summary>
internal sealed class JsonSizeCounter
{
    public long Bytes;
}
