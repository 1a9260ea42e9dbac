using System.Text;

namespace Mxcp.Admin.Search;

/// <summary>
/// Okapi BM25 over documents with weighted fields (each field scored with its own length normalisation, the scores
/// added with the field's weight; inverse document frequency over whole documents). Written here rather than taken
/// from Lucene.Net because what matters for endpoint search is the analysis (identifiers such as
/// <c>get_customer_orders</c> or <c>listInvoices</c> split into words, plurals folded) and the index is a few thousand
/// short documents rebuilt per project snapshot in memory: about a hundred lines, against a prerelease dependency of
/// several megabytes in a published package whose analysers would need to be replaced anyway.
/// </summary>
/// <typeparam name="T">What a document stands for.</typeparam>
internal sealed class Bm25Index<T>
{
    private const double K1 = 1.2;
    private const double B = 0.75;

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "of", "on", "or", "that", "the", "this", "to", "with",
    };

    private readonly double[] _weights;
    private readonly List<(T Item, Dictionary<string, int>[] Fields, int[] Lengths)> _documents = [];
    private readonly Dictionary<string, int> _documentFrequency = new(StringComparer.Ordinal);
    private readonly double[] _lengthSums;

    /// <param name="weights">The weight of each field, in the order documents give their fields.</param>
    public Bm25Index(params double[] weights)
    {
        _weights = weights;
        _lengthSums = new double[weights.Length];
    }

    public int Count => _documents.Count;

    /// <summary>Adds a document; <paramref name="fields"/> are its texts in the order of the weights.</summary>
    public void Add(T item, params string?[] fields)
    {
        if (fields.Length != _weights.Length)
        {
            throw new ArgumentException($"Expected {_weights.Length} fields", nameof(fields));
        }

        var counts = new Dictionary<string, int>[fields.Length];
        var lengths = new int[fields.Length];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var f = 0; f < fields.Length; f++)
        {
            counts[f] = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var term in Analyze(fields[f]))
            {
                counts[f][term] = counts[f].GetValueOrDefault(term) + 1;
                lengths[f]++;
                seen.Add(term);
            }
        }

        foreach (var term in seen)
        {
            _documentFrequency[term] = _documentFrequency.GetValueOrDefault(term) + 1;
        }

        _documents.Add((item, counts, lengths));
        for (var f = 0; f < fields.Length; f++)
        {
            _lengthSums[f] += lengths[f];
        }
    }

    /// <summary>The documents that contain at least one term of <paramref name="query"/>, best first (ties in insertion order).</summary>
    public IReadOnlyList<(T Item, double Score)> Search(string query, Func<T, bool>? filter = null)
    {
        var terms = Analyze(query).Distinct(StringComparer.Ordinal).ToList();
        var n = _documents.Count;
        var results = new List<(T Item, double Score, int Index)>();
        for (var i = 0; i < n; i++)
        {
            var (item, fields, lengths) = _documents[i];
            if (filter is not null && !filter(item))
            {
                continue;
            }

            double score = 0;
            foreach (var term in terms)
            {
                if (!_documentFrequency.TryGetValue(term, out var df))
                {
                    continue;
                }

                var idf = Math.Log(1 + ((n - df + 0.5) / (df + 0.5)));
                for (var f = 0; f < fields.Length; f++)
                {
                    if (fields[f].TryGetValue(term, out var tf))
                    {
                        var average = _lengthSums[f] / n;
                        var norm = average > 0 ? lengths[f] / average : 1;
                        score += _weights[f] * idf * (tf * (K1 + 1) / (tf + (K1 * (1 - B + (B * norm)))));
                    }
                }
            }

            if (score > 0)
            {
                results.Add((item, score, i));
            }
        }

        return results.OrderByDescending(r => r.Score).ThenBy(r => r.Index).Select(r => (r.Item, Math.Round(r.Score, 4))).ToList();
    }

    /// <summary>
    /// Words of a text: split at anything but letters and digits and at lower-to-upper case changes
    /// (<c>getCustomerOrders</c>, <c>get_customer_orders</c> and <c>get-customer-orders</c> give the same words),
    /// lower-cased, stop words dropped, plurals folded (<c>orders</c> → <c>order</c>, <c>categories</c> → <c>category</c>).
    /// </summary>
    public static IEnumerable<string> Analyze(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            yield break;
        }

        var word = new StringBuilder();
        char previous = '\0';
        foreach (var c in text)
        {
            var boundary = !char.IsLetterOrDigit(c) || (char.IsUpper(c) && (char.IsLower(previous) || char.IsDigit(previous)));
            if (boundary && word.Length > 0)
            {
                if (Normalize(word.ToString()) is { } term)
                {
                    yield return term;
                }

                word.Clear();
            }

            if (char.IsLetterOrDigit(c))
            {
                word.Append(char.ToLowerInvariant(c));
            }

            previous = c;
        }

        if (word.Length > 0 && Normalize(word.ToString()) is { } last)
        {
            yield return last;
        }
    }

    private static string? Normalize(string word)
    {
        if (StopWords.Contains(word))
        {
            return null;
        }

        if (word.Length > 4 && word.EndsWith("ies", StringComparison.Ordinal))
        {
            return string.Concat(word.AsSpan(0, word.Length - 3), "y");
        }

        if (word.Length > 3 && word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal) && !word.EndsWith("us", StringComparison.Ordinal) && !word.EndsWith("is", StringComparison.Ordinal))
        {
            return word[..^1];
        }

        return word;
    }
}
