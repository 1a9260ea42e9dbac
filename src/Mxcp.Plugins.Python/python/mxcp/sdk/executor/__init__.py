"""The execution context of the current call, as ``mxcp.sdk.executor.get_execution_context()`` gives it in MXCP."""

from mxcp._host import state as _state
from mxcp.sdk.auth.context import UserContextModel


class ExecutionContext:
    """The current call: ``user_context`` and a read-only bag with ``request_headers``, ``transport``,
    ``session_id``, ``trace_id``, ``span_id`` and ``traceparent`` (the W3C trace context of the host's span for the
    call, to pass on to services the code calls), ``user_config`` and ``site_config``."""

    def __init__(self, call):
        self._call = call
        self.user_context = UserContextModel(**call.user) if call.user else None

    def get(self, key, default=None):
        if key == "request_headers":
            headers = self._call.request_headers
            return None if headers is None else dict(headers)
        if key == "transport":
            return self._call.transport
        if key == "session_id":
            return self._call.session_id
        if key == "trace_id":
            return self._call.trace_id
        if key == "traceparent":
            return self._call.traceparent
        if key == "span_id":
            return self._call.span_id
        if key == "user_config":
            return _state.project.user_config
        if key == "site_config":
            return _state.project.site_config
        return default

    @property
    def username(self):
        return self.user_context.username if self.user_context else None

    @property
    def user_id(self):
        return self.user_context.user_id if self.user_context else None

    @property
    def email(self):
        return self.user_context.email if self.user_context else None

    @property
    def provider(self):
        return self.user_context.provider if self.user_context else None

    @property
    def external_token(self):
        return self.user_context.external_token if self.user_context else None


def get_execution_context():
    """The execution context of the running call or hook, or None outside one."""
    call = _state.current_or_none()
    return ExecutionContext(call) if call is not None else None


__all__ = ["ExecutionContext", "get_execution_context"]
