using System.Text;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Tests.Yaml;

/// <summary>Reading endpoint files from disk: encodings by byte order mark, files that grow past the limit, unreadable files.</summary>
public sealed class YamlDocumentLoaderFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mxcp-yaml-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string> Encodings() => ["utf-8", "utf-8-bom", "utf-16le", "utf-16be", "utf-32le", "utf-32be"];

    [Theory]
    [MemberData(nameof(Encodings))]
    public void LoadFile_EncodingByByteOrderMark_ReadsTheSameText(string encoding)
    {
        const string Yaml = "mxcp: 1\ntool:\n  name: café_😀\n  description: \"Ünïcödé — 東京\"\n";
        var (text, mark) = encoding switch
        {
            "utf-8" => (new UTF8Encoding(false), false),
            "utf-8-bom" => (new UTF8Encoding(false), true),
            "utf-16le" => (new UnicodeEncoding(bigEndian: false, byteOrderMark: false), true),
            "utf-16be" => (new UnicodeEncoding(bigEndian: true, byteOrderMark: false), true),
            "utf-32le" => (new UTF32Encoding(bigEndian: false, byteOrderMark: false), true),
            _ => ((Encoding)new UTF32Encoding(bigEndian: true, byteOrderMark: false), true),
        };
        byte[] bytes = mark ? [.. BomOf(encoding), .. text.GetBytes(Yaml)] : text.GetBytes(Yaml);

        var path = Path.Combine(_folder, "tool.yml");
        File.WriteAllBytes(path, bytes);

        var root = Assert.IsType<YamlMapping>(YamlDocumentLoader.LoadFile(path, "tools/tool.yml"));

        var tool = Assert.IsType<YamlMapping>(root["tool"]);
        Assert.Equal("café_😀", Assert.IsType<YamlScalar>(tool["name"]).Value);
        Assert.Equal("Ünïcödé — 東京", Assert.IsType<YamlScalar>(tool["description"]).Value);
        Assert.Equal(Yaml, YamlDocumentLoader.ReadText(path, "tools/tool.yml"));
    }

    [Fact]
    public void ReadText_InvalidUtf8_IsReplacedNotAnError()
    {
        var path = Path.Combine(_folder, "bad.yml");
        File.WriteAllBytes(path, [.. "a: "u8.ToArray(), 0xC3, 0x28, .. "\n"u8.ToArray()]);

        Assert.Equal("a: \uFFFD(\n", YamlDocumentLoader.ReadText(path, "tools/bad.yml"));
    }

    [Fact]
    public void ReadText_EmptyFile_IsEmptyText()
    {
        var path = Path.Combine(_folder, "empty.yml");
        File.WriteAllBytes(path, []);

        Assert.Equal("", YamlDocumentLoader.ReadText(path, "tools/empty.yml"));
        Assert.Null(YamlDocumentLoader.LoadFile(path, "tools/empty.yml"));
    }

    [Fact]
    public async Task LoadFile_PipeWithoutLength_IsBoundedByTheLimit()
    {
        // A FIFO reports no length: the reader counts what arrives and stops at the limit.
        var path = Path.Combine(_folder, "fifo.yml");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", path))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var writer = Task.Run(() =>
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
                var chunk = new byte[64 * 1024];
                Array.Fill(chunk, (byte)'x');
                for (long written = 0; written <= YamlLimits.MaxDocumentBytes; written += chunk.Length)
                {
                    stream.Write(chunk);
                }
            }
            catch (IOException)
            {
                // The reader closed the pipe once it had seen enough.
            }
        }, TestContext.Current.CancellationToken);

        var e = Assert.Throws<ProjectFileException>(() => YamlDocumentLoader.LoadFile(path, "tools/fifo.yml"));

        Assert.Equal("tools/fifo.yml", e.File);
        Assert.Contains($"larger than {YamlLimits.MaxDocumentBytes / (1024 * 1024)} MiB", e.Message, StringComparison.Ordinal);
        await writer.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }

    [Fact]
    public void LoadFile_Missing_NamesTheFile()
    {
        var e = Assert.Throws<ProjectFileException>(() => YamlDocumentLoader.LoadFile(Path.Combine(_folder, "gone.yml"), "tools/gone.yml"));

        Assert.Equal("tools/gone.yml", e.File);
        Assert.StartsWith("tools/gone.yml: cannot read the file: ", e.Message, StringComparison.Ordinal);
    }

    private static byte[] BomOf(string encoding) => encoding switch
    {
        "utf-8-bom" => [0xEF, 0xBB, 0xBF],
        "utf-16le" => [0xFF, 0xFE],
        "utf-16be" => [0xFE, 0xFF],
        "utf-32le" => [0xFF, 0xFE, 0x00, 0x00],
        _ => [0x00, 0x00, 0xFE, 0xFF],
    };
}
