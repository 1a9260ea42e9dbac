using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Mxcp.Plugins.DuckDb.Database;

namespace Mxcp.Plugins.DuckDb.Results;

/// <summary>
/// Writes a GEOMETRY value (stored by DuckDB as WKB) as WKT, in the form DuckDB's own <c>::VARCHAR</c> cast gives:
/// <c>POINT (1 2)</c>, <c>POLYGON ((0 0, 1 0, 1 1, 0 0))</c>, <c>POINT Z (1 2 3)</c>, <c>POINT EMPTY</c>.
/// </summary>
internal static class WkbFormat
{
    private static readonly string[] Names =
        ["GEOMETRY", "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION"];

    public static string ToWkt(ReadOnlySpan<byte> wkb)
    {
        var text = new StringBuilder(64);
        var offset = 0;
        WriteGeometry(wkb, ref offset, text, tagged: true);
        return text.ToString();
    }

    private static void WriteGeometry(ReadOnlySpan<byte> wkb, ref int offset, StringBuilder text, bool tagged)
    {
        var littleEndian = ReadByte(wkb, ref offset) == 1;
        var code = ReadUInt32(wkb, ref offset, littleEndian);
        var hasZ = (code & 0x80000000) != 0;
        var hasM = (code & 0x40000000) != 0;
        code &= 0x0FFFFFFF;
        var isoDims = code / 1000;
        hasZ |= isoDims is 1 or 3;
        hasM |= isoDims is 2 or 3;
        var kind = (int)(code % 1000);
        if (kind is < 1 or > 7)
        {
            throw new DuckDbException($"GEOMETRY value has an unknown WKB geometry type {code}");
        }

        var dims = 2 + (hasZ ? 1 : 0) + (hasM ? 1 : 0);
        if (tagged)
        {
            text.Append(Names[kind]);
            if (hasZ || hasM)
            {
                text.Append(' ').Append(hasZ ? "Z" : "").Append(hasM ? "M" : "");
            }
        }

        switch (kind)
        {
            case 1:
                var point = new double[dims];
                for (var i = 0; i < dims; i++)
                {
                    point[i] = ReadDouble(wkb, ref offset, littleEndian);
                }

                if (point.All(double.IsNaN))
                {
                    text.Append(tagged ? " EMPTY" : "EMPTY");
                    return;
                }

                if (!tagged)
                {
                    // A MULTIPOINT member is written as bare coordinates: MULTIPOINT (1 2, 3 4).
                    AppendCoordinates(text, point);
                    return;
                }

                text.Append(" (");
                AppendCoordinates(text, point);
                text.Append(')');
                return;
            case 2:
                WritePointList(wkb, ref offset, text, littleEndian, dims, tagged);
                return;
            case 3:
                var rings = ReadUInt32(wkb, ref offset, littleEndian);
                if (rings == 0)
                {
                    text.Append(tagged ? " EMPTY" : "EMPTY");
                    return;
                }

                text.Append(tagged ? " (" : "(");
                for (var r = 0; r < rings; r++)
                {
                    if (r > 0)
                    {
                        text.Append(", ");
                    }

                    WritePointList(wkb, ref offset, text, littleEndian, dims, tagged: false);
                }

                text.Append(')');
                return;
            default:
                var parts = ReadUInt32(wkb, ref offset, littleEndian);
                if (parts == 0)
                {
                    text.Append(" EMPTY");
                    return;
                }

                text.Append(" (");
                for (var p = 0; p < parts; p++)
                {
                    if (p > 0)
                    {
                        text.Append(", ");
                    }

                    // Members of a collection carry their own tag; members of MULTI* types do not.
                    WriteGeometry(wkb, ref offset, text, tagged: kind == 7);
                }

                text.Append(')');
                return;
        }
    }

    private static void WritePointList(ReadOnlySpan<byte> wkb, ref int offset, StringBuilder text, bool littleEndian, int dims, bool tagged)
    {
        var count = ReadUInt32(wkb, ref offset, littleEndian);
        if (count == 0)
        {
            text.Append(tagged ? " EMPTY" : "EMPTY");
            return;
        }

        text.Append(tagged ? " (" : "(");
        var point = new double[dims];
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }

            for (var d = 0; d < dims; d++)
            {
                point[d] = ReadDouble(wkb, ref offset, littleEndian);
            }

            AppendCoordinates(text, point);
        }

        text.Append(')');
    }

    private static void AppendCoordinates(StringBuilder text, double[] point)
    {
        for (var d = 0; d < point.Length; d++)
        {
            if (d > 0)
            {
                text.Append(' ');
            }

            text.Append(point[d].ToString("R", CultureInfo.InvariantCulture));
        }
    }

    private static byte ReadByte(ReadOnlySpan<byte> wkb, ref int offset)
    {
        Ensure(wkb, offset, 1);
        return wkb[offset++];
    }

    private static uint ReadUInt32(ReadOnlySpan<byte> wkb, ref int offset, bool littleEndian)
    {
        Ensure(wkb, offset, 4);
        var slice = wkb.Slice(offset, 4);
        offset += 4;
        return littleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(slice) : BinaryPrimitives.ReadUInt32BigEndian(slice);
    }

    private static double ReadDouble(ReadOnlySpan<byte> wkb, ref int offset, bool littleEndian)
    {
        Ensure(wkb, offset, 8);
        var slice = wkb.Slice(offset, 8);
        offset += 8;
        return littleEndian ? BinaryPrimitives.ReadDoubleLittleEndian(slice) : BinaryPrimitives.ReadDoubleBigEndian(slice);
    }

    private static void Ensure(ReadOnlySpan<byte> wkb, int offset, int length)
    {
        if (offset + length > wkb.Length)
        {
            throw new DuckDbException("GEOMETRY value is truncated (invalid WKB)");
        }
    }
}
