using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Mxcp.Admin.Deployment;
using Mxcp.Runtime;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Plugins;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Admin.Routes;

/// <summary>
/// <c>POST /config/validate</c>: a dry run of a candidate project, given as <c>{"path": "/dir"}</c> or uploaded as a
/// <c>.zip</c>, <c>.tar</c> or <c>.tar.gz</c> archive. Every error is reported; nothing changes (no database is opened
/// for the candidate; SQL is checked on the live database's connections).
/// </summary>
internal static class ConfigValidation
{
    public static async Task<IResult> ValidateAsync(HttpContext context, AdminApi api, MxcpAdminOptions adminOptions)
    {
        string? temp = null;
        try
        {
            string projectPath;
            var contentType = context.Request.ContentType ?? "";
            if (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            {
                projectPath = await ReadPathAsync(context).ConfigureAwait(false);
            }
            else
            {
                temp = Directory.CreateTempSubdirectory("mxcp-validate-").FullName;
                await ProjectArchive.ExtractAsync(context, temp, context.RequestAborted).ConfigureAwait(false);
                projectPath = ProjectArchive.FindProjectFolder(temp);
            }

            var profile = context.Request.Query["profile"].ToString() is { Length: > 0 } p ? p : null;
            return Results.Json(await ReportAsync(api, projectPath, profile, context.RequestAborted).ConfigureAwait(false));
        }
        catch (PayloadTooLargeException e)
        {
            return AdminErrors.Result(StatusCodes.Status413PayloadTooLarge, "payload_too_large", e.Message);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or InvalidOperationException)
        {
            return AdminErrors.BadRequest(e.Message);
        }
        finally
        {
            DeleteQuietly(temp);
        }
    }

    /// <summary>The <c>path</c> of a JSON body <c>{"path": "/dir"}</c>; the folder must exist.</summary>
    public static async Task<string> ReadPathAsync(HttpContext context)
    {
        var body = await JsonSerializer.DeserializeAsync<JsonObject>(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        var path = body?["path"] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0
            ? text
            : throw new InvalidDataException("The JSON body needs a \"path\" to the candidate project folder");
        return Directory.Exists(path) ? path : throw new InvalidDataException($"No such folder: {path}");
    }

    /// <summary>
    /// Checks the project at <paramref name="projectPath"/> as a reload would (configuration, secrets, every endpoint
    /// file, SQL on the live database's connections) and reports every error: <c>status</c> is <c>ok</c> or <c>error</c>.
    /// </summary>
    public static async Task<JsonObject> ReportAsync(AdminApi api, string projectPath, string? profile, CancellationToken cancellationToken)
    {
        using var lease = await api.Snapshots.AcquireAsync(cancellationToken).ConfigureAwait(false);
        var live = api.Services.GetRequiredService<IOptions<MxcpOptions>>().Value;
        var options = new MxcpOptions
        {
            ProjectPath = projectPath,
            Profile = profile,
            UserConfigPath = lease.Snapshot.Config.UserFile,
            Environment = live.Environment,
        };

        try
        {
            var (config, files) = await api.Builder.ValidateAsync(options, lease.Snapshot.Executors, cancellationToken).ConfigureAwait(false);
            var checkedFiles = files.Where(f => f.Warning is null).ToList();
            var errors = checkedFiles.Count(f => f.Error is not null);
            return new JsonObject
            {
                ["status"] = errors == 0 ? "ok" : "error",
                ["project"] = config.ProjectName,
                ["profile"] = config.Profile,
                ["errors"] = errors,
                ["validated"] = new JsonArray(checkedFiles.Select(f =>
                {
                    var item = new JsonObject { ["path"] = f.DisplayPath, ["status"] = f.Error is null ? "ok" : "error" };
                    if (f.Error is not null)
                    {
                        item["message"] = f.Error;
                    }

                    return (JsonNode)item;
                }).ToArray()),
            };
        }
        catch (Exception e) when (e is ProjectFileException or ProjectNotFoundException or PluginLoadException)
        {
            return new JsonObject { ["status"] = "error", ["errors"] = 1, ["message"] = e.Message, ["validated"] = new JsonArray() };
        }
    }

    public static void DeleteQuietly(string? folder)
    {
        if (folder is null)
        {
            return;
        }

        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A temporary folder; the system cleans it eventually.
        }
    }
}
