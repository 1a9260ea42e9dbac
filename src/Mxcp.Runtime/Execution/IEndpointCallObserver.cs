namespace Mxcp.Runtime.Execution;

/// <summary>
/// Sees every completed call (audit, metrics, the admin event stream). Called on the request path after the result is
/// known: implementations must be quick and must not throw; slow work goes to a queue.
/// </summary>
internal interface IEndpointCallObserver
{
    void OnCallCompleted(EndpointCall call, EndpointCallResult result);
}
