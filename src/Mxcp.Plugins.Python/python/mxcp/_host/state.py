"""What the worker knows about its project and about the call running in the current thread or task."""

import contextvars
import itertools
import threading

NO_CONTEXT = "No execution context available - function not called from MXCP executor"

_current = contextvars.ContextVar("mxcp_execution_context", default=None)


class HostError(RuntimeError):
    """The host refused or failed a request of the worker (db.execute, reload, ...); the message is the host's."""


class CallState:
    """The execution context of one call (or of a hook): who calls, over what, and the host's id of the call."""

    __slots__ = ("call_id", "user", "request_headers", "transport", "session_id", "trace_id", "traceparent", "span_id",
                 "cancelled", "thread_id", "lock", "future")

    def __init__(self, call_id=None, user=None, request_headers=None, transport=None, session_id=None, trace_id=None,
                 traceparent=None):
        self.call_id = call_id
        self.user = user
        self.request_headers = None if request_headers is None else dict(request_headers)
        self.transport = transport
        self.session_id = session_id
        # The W3C trace context of the host's span for this call (version-traceid-spanid-flags), when tracing is on.
        parts = traceparent.split("-") if isinstance(traceparent, str) else []
        valid = len(parts) == 4 and len(parts[1]) == 32 and len(parts[2]) == 16
        self.traceparent = traceparent if valid else None
        self.trace_id = trace_id or (parts[1] if valid else None)
        self.span_id = parts[2] if valid else None
        self.cancelled = False
        self.thread_id = None
        self.lock = threading.Lock()
        self.future = None


class ProjectState:
    """The project of this worker, sent once by the host in ``initialize`` (it never changes for a worker)."""

    def __init__(self):
        self.channel = None
        self.project_root = None
        self.project = None
        self.profile = None
        self.site_config = None
        self.user_config = None
        self.secrets = []
        self.max_result_rows = 0
        self.max_result_bytes = 0
        self.plugins = {}
        self.udfs = {}
        self.init_hooks = []
        self.shutdown_hooks = []
        self.payloads = {}
        self._payload_ids = itertools.count(1)
        self._lock = threading.Lock()

    def configure(self, params, channel):
        self.channel = channel
        self.project_root = params.get("project_root")
        self.project = params.get("project")
        self.profile = params.get("profile")
        self.site_config = params.get("site_config")
        self.user_config = params.get("user_config")
        self.secrets = params.get("secrets") or []
        self.max_result_rows = params.get("max_result_rows") or 0
        self.max_result_bytes = params.get("max_result_bytes") or 0

    def add_payload(self, func):
        with self._lock:
            payload_id = f"p{next(self._payload_ids)}"
            self.payloads[payload_id] = func
            return payload_id

    def take_payload(self, payload_id):
        with self._lock:
            return self.payloads.pop(payload_id, None)


project = ProjectState()


def current():
    """The execution context of the running call; raises the reference's RuntimeError outside one."""
    state = _current.get()
    if state is None:
        raise RuntimeError(NO_CONTEXT)
    return state


def current_or_none():
    return _current.get()


def set_current(state):
    return _current.set(state)


def reset_current(token):
    _current.reset(token)
