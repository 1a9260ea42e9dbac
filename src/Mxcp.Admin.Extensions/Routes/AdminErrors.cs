using Microsoft.AspNetCore.Http;
using System.Text.Json.Nodes;

namespace Mxcp.Admin.Routes;

/// <summary>The admin error envelope of the MXCP admin socket: <c>{error, message, detail}</c>, detail only in debug mode.</summary>
internal static class AdminErrors
{
    public static IResult Result(int status, string error, string message, Exception? detail = null, bool debug = false)
    {
        var body = new JsonObject { ["error"] = error, ["message"] = message };
        if (debug && detail is not null)
        {
            body["detail"] = detail.ToString();
        }

        return Results.Json(body, statusCode: status);
    }

    public static IResult NotFound(string message) => Result(StatusCodes.Status404NotFound, "not_found", message);

    public static IResult BadRequest(string message) => Result(StatusCodes.Status400BadRequest, "bad_request", message);
}
