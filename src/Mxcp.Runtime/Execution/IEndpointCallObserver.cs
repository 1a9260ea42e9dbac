namespace Mxcp.Runtime.Execution;

/// <summary>
/// Sees every completed call (audit, metrics, the admin event stream). Called on the request path after the result is
/// known: implementations must be quick and must not throw; slow work goes to a queue.
/// </summary>
internal interface IEndpointCallObserver
{
    /// <summary>A call is about to run (after its snapshot and endpoint are known).</summary>
    void OnCallStarted(EndpointCall call)
    {
    }

    void OnCallCompleted(EndpointCall call, EndpointCallResult result);
}
