using System.Text.Json;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.Upstream.Configuration;

/// <summary>The <c>upstreams</c> section of <c>mxcp-site.yml</c>, checked whenever the project is loaded.</summary>
internal sealed class UpstreamsSection(IPolicyReader? policyReader = null) : ISiteConfigSection
{
    public string Key => UpstreamSettingsReader.SectionKey;

    public IReadOnlyList<ConfigProblem> Validate(JsonElement value)
    {
        var problems = new List<ConfigProblem>();
        UpstreamSettingsReader.Read(value, projectRoot: Path.GetTempPath(), policyReader, problems);
        return problems;
    }
}
