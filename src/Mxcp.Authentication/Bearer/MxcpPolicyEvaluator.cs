using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Mxcp.Authentication.Hosting;

namespace Mxcp.Authentication.Bearer;

/// <summary>
/// The policy evaluator of the authorization middleware, with a shortcut for the MCP endpoint's own policy when the
/// profile has no auth (<see cref="MxcpAuthenticationState.IsDisabled"/>, fixed when the host starts): the answer the
/// full evaluation would give (an anonymous user, access granted by <see cref="RequiredScopesHandler"/>) without
/// running the <c>Mxcp</c> scheme and the authorization service on every request. A policy that adds anything to Mxcp's
/// (a host's <c>RequireAuthorization(...)</c> combined with it, another scheme) is evaluated in full, as is every
/// policy while auth is on.
/// </summary>
internal sealed class MxcpPolicyEvaluator(IServiceProvider services, Func<IServiceProvider, IPolicyEvaluator> createInner, MxcpAuthenticationState state)
    : IPolicyEvaluator
{
    private static readonly Task<AuthenticateResult> NoResult = Task.FromResult(AuthenticateResult.NoResult());
    private static readonly Task<PolicyAuthorizationResult> Granted = Task.FromResult(PolicyAuthorizationResult.Success());

    private IPolicyEvaluator? _inner;

    /// <summary>The evaluator this one stands in front of (the host's, else ASP.NET Core's), created when first needed.</summary>
    private IPolicyEvaluator Inner => _inner ??= createInner(services);

    public Task<AuthenticateResult> AuthenticateAsync(AuthorizationPolicy policy, HttpContext context)
    {
        if (!IsMxcpPolicyWithoutAuth(policy))
        {
            return Inner.AuthenticateAsync(policy, context);
        }

        // What the full evaluation leaves when no scheme of the policy signs the caller in.
        context.User = new ClaimsPrincipal(new ClaimsIdentity());
        return NoResult;
    }

    public Task<PolicyAuthorizationResult> AuthorizeAsync(AuthorizationPolicy policy, AuthenticateResult authenticationResult, HttpContext context, object? resource) =>
        IsMxcpPolicyWithoutAuth(policy) ? Granted : Inner.AuthorizeAsync(policy, authenticationResult, context, resource);

    /// <summary>Auth is off, and the policy is exactly Mxcp's: its requirement alone, its scheme alone.</summary>
    internal bool IsMxcpPolicyWithoutAuth(AuthorizationPolicy policy) =>
        state.IsDisabled
        && policy.Requirements is [RequiredScopesRequirement]
        && policy.AuthenticationSchemes is [MxcpAuthenticationDefaults.AuthenticationScheme];

    /// <summary>Puts the evaluator in front of the one registered now (ASP.NET Core's <see cref="PolicyEvaluator"/> when none is).</summary>
    public static void Register(IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IPolicyEvaluator) && !d.IsKeyedService);
        Func<IServiceProvider, IPolicyEvaluator> createInner;
        if (registered?.ImplementationInstance is IPolicyEvaluator instance)
        {
            createInner = _ => instance;
        }
        else if (registered?.ImplementationFactory is { } factory)
        {
            createInner = sp => (IPolicyEvaluator)factory(sp);
        }
        else
        {
            var create = ActivatorUtilities.CreateFactory(registered?.ImplementationType ?? typeof(PolicyEvaluator), []);
            createInner = sp => (IPolicyEvaluator)create(sp, null);
        }

        if (registered is not null)
        {
            services.Remove(registered);
        }

        services.AddTransient<IPolicyEvaluator>(sp => new MxcpPolicyEvaluator(sp, createInner, sp.GetRequiredService<MxcpAuthenticationState>()));
    }
}
