using SparseBert.IR;

namespace SparseBert.Frontend.Formats;

/// <summary>
/// The header of an .npy file is a Python dict literal. This parses the small subset numpy writes (strings,
/// True/False, tuples of integers) and accepts only a little-endian f32 array in C order.
/// </summary>
static class NpyHeader
{
    /// <summary>The shape, with every dimension and the element count small enough for one float array.</summary>
    public static int[] Parse(string path, string text)
    {
        var fields = new Parser(path, text).Dict();
        BadInputException Bad(string problem) => new(path, null, "header " + problem);

        foreach (var key in new[] { "descr", "fortran_order", "shape" })
            if (!fields.ContainsKey(key)) throw Bad($"has no '{key}'");
        if (fields.Count != 3)
            throw Bad($"has unexpected keys {string.Join(", ", fields.Keys.Where(k => k is not ("descr" or "fortran_order" or "shape")).Select(k => $"'{BadInputException.Printable(k, 40)}'"))}");
        if (fields["descr"] is not string descr || descr != "<f4")
            throw Bad($"descr {Show(fields["descr"])} is not supported; expected '<f4'");
        if (fields["fortran_order"] is not bool fortran || fortran)
            throw Bad($"fortran_order {Show(fields["fortran_order"])} is not supported; expected False");
        if (fields["shape"] is not List<long> dims)
            throw Bad($"shape {Show(fields["shape"])} is not a tuple of integers");

        long count = 1;
        foreach (var d in dims)
        {
            if (d > int.MaxValue) throw Bad($"shape dimension {d} is too large");
            count *= d; // each factor is below 2^31 and the running product is capped below, so this cannot overflow
            if (count > Array.MaxLength) throw Bad($"shape ({string.Join(", ", dims)}) has more elements than one array can hold");
        }
        return dims.Select(d => (int)d).ToArray();
    }

    static string Show(object value) => value switch
    {
        string s => $"'{BadInputException.Printable(s, 40)}'",
        bool b => b ? "True" : "False",
        List<long> t => "(" + string.Join(", ", t) + ")",
        _ => "?",
    };

    sealed class Parser(string path, string text)
    {
        int _pos;

        BadInputException Bad(string problem) => new(path, null, $"header is not a valid dict literal: {problem} at offset {_pos}");

        public Dictionary<string, object> Dict()
        {
            Expect('{');
            var result = new Dictionary<string, object>(StringComparer.Ordinal);
            while (!Accept('}'))
            {
                var key = String();
                Expect(':');
                if (!result.TryAdd(key, Value())) throw Bad($"key '{BadInputException.Printable(key, 40)}' appears twice");
                if (!Accept(','))
                {
                    Expect('}');
                    break;
                }
            }
            SkipSpace();
            if (_pos != text.Length) throw Bad("unexpected text after the dict");
            return result;
        }

        object Value()
        {
            SkipSpace();
            if (_pos < text.Length && text[_pos] is '\'' or '"') return String();
            if (Accept('(')) return Tuple();
            if (Word("True")) return true;
            if (Word("False")) return false;
            throw Bad("expected a string, a tuple, True or False");
        }

        string String()
        {
            SkipSpace();
            if (_pos >= text.Length || text[_pos] is not ('\'' or '"')) throw Bad("expected a string");
            char quote = text[_pos++];
            int end = text.IndexOf(quote, _pos);
            if (end < 0) throw Bad("unterminated string");
            var s = text[_pos..end];
            _pos = end + 1;
            return s;
        }

        /// <summary>The rest of a tuple after '('. As in Python, "(5)" is not a tuple; one element needs "(5,)".</summary>
        List<long> Tuple()
        {
            var items = new List<long>();
            bool trailingComma = false;
            while (!Accept(')'))
            {
                items.Add(Integer());
                trailingComma = Accept(',');
                if (!trailingComma)
                {
                    Expect(')');
                    break;
                }
            }
            if (items.Count == 1 && !trailingComma) throw Bad("a 1-tuple needs a trailing comma");
            return items;
        }

        long Integer()
        {
            SkipSpace();
            int start = _pos;
            while (_pos < text.Length && char.IsAsciiDigit(text[_pos])) _pos++;
            if (_pos == start) throw Bad("expected a non-negative integer");
            if (!long.TryParse(text.AsSpan(start, _pos - start), out var value)) throw Bad("integer too large");
            return value;
        }

        bool Word(string word)
        {
            if (string.CompareOrdinal(text, _pos, word, 0, word.Length) != 0) return false;
            _pos += word.Length;
            return true;
        }

        bool Accept(char c)
        {
            SkipSpace();
            if (_pos >= text.Length || text[_pos] != c) return false;
            _pos++;
            return true;
        }

        void Expect(char c)
        {
            if (!Accept(c)) throw Bad($"expected '{c}'");
        }

        void SkipSpace()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++;
        }
    }
}
