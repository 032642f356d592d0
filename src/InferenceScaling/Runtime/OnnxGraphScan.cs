namespace InferenceScaling.Runtime;

/// <summary>
/// Reads the operator types an ONNX file uses, straight from its protobuf encoding (ONNX Runtime's C# API does not
/// expose the graph). Subgraphs (<c>If</c> branches of merged decoders) and model-local functions are included;
/// initializers and other payloads are skipped by seeking, so a large file costs only its node headers.
/// </summary>
internal static class OnnxGraphScan
{
    /// <summary>Operator types as <c>domain:op</c> (the default domain written as the empty string: <c>:MatMul</c>).</summary>
    /// <exception cref="InvalidDataException">The file is not a readable ONNX protobuf.</exception>
    public static IReadOnlySet<string> OperatorTypes(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var ops = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Reader(stream);
        // ModelProto: 7 = graph, 25 = functions.
        reader.Fields(stream.Length, (field, end) =>
        {
            if (field == 7) Graph(reader, end, ops);
            else if (field == 25) Function(reader, end, ops);
            else return false;
            return true;
        });
        return ops;
    }

    private static void Graph(Reader reader, long end, HashSet<string> ops) =>
        // GraphProto: 1 = node.
        reader.Fields(end, (field, e) =>
        {
            if (field != 1) return false;
            Node(reader, e, ops);
            return true;
        });

    private static void Function(Reader reader, long end, HashSet<string> ops) =>
        // FunctionProto: 7 = node.
        reader.Fields(end, (field, e) =>
        {
            if (field != 7) return false;
            Node(reader, e, ops);
            return true;
        });

    private static void Node(Reader reader, long end, HashSet<string> ops)
    {
        string op = "", domain = "";
        // NodeProto: 4 = op_type, 7 = domain, 5 = attribute.
        reader.Fields(end, (field, e) =>
        {
            switch (field)
            {
                case 4: op = reader.String(e); return true;
                case 7: domain = reader.String(e); return true;
                case 5: Attribute(reader, e, ops); return true;
                default: return false;
            }
        });
        ops.Add(domain == "ai.onnx" ? ":" + op : domain + ":" + op);
    }

    private static void Attribute(Reader reader, long end, HashSet<string> ops) =>
        // AttributeProto: 6 = g, 11 = graphs.
        reader.Fields(end, (field, e) =>
        {
            if (field is not (6 or 11)) return false;
            Graph(reader, e, ops);
            return true;
        });

    /// <summary>A forward protobuf reader over a seekable stream.</summary>
    private sealed class Reader(Stream stream)
    {
        /// <summary>
        /// Walks the fields up to <paramref name="end"/>; length-delimited ones go to <paramref name="visit"/> (with the
        /// field's end), which returns false to have the field skipped.
        /// </summary>
        public void Fields(long end, Func<int, long, bool> visit)
        {
            while (stream.Position < end)
            {
                var tag = Varint();
                var field = (int)(tag >> 3);
                var wire = (int)(tag & 7);
                switch (wire)
                {
                    case 0: Varint(); break;
                    case 1: Seek(8); break;
                    case 5: Seek(4); break;
                    case 2:
                        var length = (long)Varint();
                        var fieldEnd = stream.Position + length;
                        if (length < 0 || fieldEnd > end) throw new InvalidDataException("a field runs past its message.");
                        if (!visit(field, fieldEnd) || stream.Position != fieldEnd) stream.Position = fieldEnd;
                        break;
                    default: throw new InvalidDataException($"unsupported protobuf wire type {wire}.");
                }
            }
        }

        public string String(long end)
        {
            var bytes = new byte[end - stream.Position];
            stream.ReadExactly(bytes);
            return System.Text.Encoding.UTF8.GetString(bytes);
        }

        private void Seek(long bytes) => stream.Position += bytes;

        private ulong Varint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = stream.ReadByte();
                if (b < 0) throw new InvalidDataException("the file ends inside a field.");
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0) return value;
            }

            throw new InvalidDataException("a varint is longer than 10 bytes.");
        }
    }
}
