"""The worker process: JSON-RPC 2.0 with the host over length-prefixed UTF-8 frames (a 4-byte big-endian length, then
the JSON text), in both directions.

Host to worker: ``initialize`` (project modules and plugins; with ``plugins_only`` the plugins alone), ``init_hooks``,
``validate``, ``invoke``, ``udf`` (a plugin's SQL function over a batch of rows), ``ping``, ``shutdown``,
``run_payload``, ``exit`` and the notification ``cancel``. Worker to host (while a call, SQL function or hook runs):
``db.execute``, ``mcp.log``, ``mcp.progress``, ``reload``.

Threads: the main thread only reads frames and dispatches; ``async def`` endpoints run on one event loop thread;
sync endpoints, hooks, validation and payloads run on a thread pool. ``ping`` is answered from the event loop, so a
loop blocked by user code looks hung to the host, which then restarts the worker.
"""

import asyncio
import concurrent.futures
import contextvars
import ctypes
import importlib
import inspect
import io
import itertools
import json
import logging
import os
import struct
import sys
import threading
import traceback

from mxcp._host import codec, loader, state

MAX_FRAME = 256 * 1024 * 1024
ERROR_EXECUTION = -32000
ERROR_LOAD = -32001
ERROR_CANCELLED = -32002
ERROR_ENCODING = -32003
ERROR_TOO_MANY_ROWS = -32004
ERROR_TOO_MANY_BYTES = -32005

_log = logging.getLogger("mxcp.worker")


class CallCancelled(BaseException):
    """Raised inside a sync endpoint's thread when the host cancels the call (timeout or client cancellation)."""


class Channel:
    """Frames in and out, the worker's own pending requests to the host, and one lock for writing."""

    def __init__(self, reader, writer):
        self._reader = reader
        self._writer = writer
        self._write_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._pending = {}
        self._pending_lock = threading.Lock()
        self._closed = False

    def read(self):
        header = self._reader.read(4)
        if len(header) < 4:
            return None
        (length,) = struct.unpack(">I", header)
        if length > MAX_FRAME:
            raise ValueError(f"frame of {length} bytes is larger than the limit")
        body = self._reader.read(length)
        if len(body) < length:
            return None
        return json.loads(body.decode("utf-8"))

    def send(self, text):
        data = text.encode("utf-8", errors="surrogatepass")
        with self._write_lock:
            self._writer.write(struct.pack(">I", len(data)))
            self._writer.write(data)
            self._writer.flush()

    def respond(self, request_id, result_json):
        self.send('{"jsonrpc":"2.0","id":%s,"result":%s}' % (json.dumps(request_id), result_json))

    def respond_error(self, request_id, code, message, data=None):
        error = {"code": code, "message": message}
        if data:
            error["data"] = data
        self.send(json.dumps({"jsonrpc": "2.0", "id": request_id, "error": error}, ensure_ascii=False))

    def request_future(self, method, params_json):
        future = concurrent.futures.Future()
        with self._pending_lock:
            if self._closed:
                raise state.HostError("the Mxcp host has closed the connection")
            request_id = next(self._ids)
            self._pending[request_id] = future
        try:
            self.send('{"jsonrpc":"2.0","id":%d,"method":%s,"params":%s}' % (request_id, json.dumps(method), params_json))
        except BaseException:
            with self._pending_lock:
                self._pending.pop(request_id, None)
            raise
        return future

    def request(self, method, params_json):
        return self.request_future(method, params_json).result()

    def resolve(self, message):
        with self._pending_lock:
            future = self._pending.pop(message.get("id"), None)
        if future is None or future.done():
            return
        error = message.get("error")
        if error is not None:
            future.set_exception(state.HostError(error.get("message") or "the host failed the request"))
        else:
            future.set_result(message.get("result"))

    def close(self):
        with self._pending_lock:
            self._closed = True
            pending = list(self._pending.values())
            self._pending.clear()
        for future in pending:
            if not future.done():
                future.set_exception(state.HostError("the Mxcp host has closed the connection"))


class Worker:
    def __init__(self, channel):
        self.channel = channel
        self.loader = None
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="mxcp")
        self.loop = asyncio.new_event_loop()
        self.loop_thread = threading.Thread(target=self._run_loop, name="mxcp-loop", daemon=True)
        self.loop_thread.start()
        self.inflight = {}
        self.inflight_lock = threading.Lock()

    def _run_loop(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    # -- the reader loop -------------------------------------------------------------------------------------------

    def serve(self):
        while True:
            try:
                message = self.channel.read()
            except (OSError, ValueError) as e:
                _log.error("protocol error, stopping: %s", e)
                break
            if message is None:
                break
            if "method" not in message:
                self.channel.resolve(message)
                continue
            method = message["method"]
            request_id = message.get("id")
            params = message.get("params") or {}
            if method == "exit":
                break
            try:
                self._dispatch(method, request_id, params)
            except Exception as e:  # noqa: BLE001 - a bad request must not stop the worker
                if request_id is not None:
                    self.channel.respond_error(request_id, ERROR_EXECUTION, f"{type(e).__name__}: {e}")
        self.channel.close()

    def _dispatch(self, method, request_id, params):
        if method == "invoke":
            self._invoke(request_id, params)
        elif method == "udf":
            self._udf(request_id, params)
        elif method == "cancel":
            self._cancel(params.get("id"))
        elif method == "ping":
            self.loop.call_soon_threadsafe(self.channel.respond, request_id, "{}")
        elif method == "initialize":
            threads = int(params.get("threads") or 32)
            self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="mxcp")
            self._submit(request_id, self._initialize, params)
        elif method == "init_hooks":
            self._submit(request_id, self._init_hooks, params)
        elif method == "validate":
            self._submit(request_id, self._validate, params)
        elif method == "shutdown":
            self._submit(request_id, self._shutdown, params)
        elif method == "run_payload":
            self._submit(request_id, self._run_payload, params)
        elif request_id is not None:
            self.channel.respond_error(request_id, -32601, f"unknown method {method}")

    def _submit(self, request_id, function, params):
        def run():
            try:
                result = function(params)
                self.channel.respond(request_id, codec.dumps(result))
            except loader.LoadError as e:
                self.channel.respond_error(request_id, ERROR_LOAD, str(e))
            except BaseException as e:  # noqa: BLE001
                self.channel.respond_error(request_id, ERROR_EXECUTION, _message(e), {"type": type(e).__name__, "traceback": _traceback(e)})

        self.pool.submit(run)

    # -- start-up, validation, shutdown ----------------------------------------------------------------------------

    def _initialize(self, params):
        """Loads the project's modules (unless ``plugins_only``) and its plugins; the ``@on_init`` hooks run after,
        on ``init_hooks``, once the host has registered the plugins' SQL functions (which the hooks may use)."""
        state.project.configure(params, self.channel)
        self.loader = loader.ModuleLoader(params["project_root"])
        preload_errors = [] if params.get("plugins_only") else self.loader.preload()
        plugin_errors, udfs = self._load_plugins(params)
        pandas = "pandas" in sys.modules
        return {
            "python": sys.version.split()[0],
            "pid": os.getpid(),
            "modules": self.loader.module_count,
            "init_hooks": len(state.project.init_hooks),
            "preload_errors": preload_errors,
            "plugin_errors": plugin_errors,
            "udfs": udfs,
            "pandas": pandas,
        }

    def _init_hooks(self, params):
        return {"hook_errors": self._run_hooks(state.project.init_hooks)}

    def _load_plugins(self, params):
        """Creates the site's plugins (``MXCPPlugin(config)``) and collects their ``@udf`` methods as SQL functions
        ``<method>_<plugin name>``; returns the errors and the function definitions."""
        site = state.project.site_config or {}
        entries = site.get("plugin") or []
        if isinstance(entries, dict):
            entries = [entries]
        if not entries:
            return [], []
        folder = (site.get("paths") or {}).get("plugins") or "plugins"
        folder = folder if os.path.isabs(folder) else os.path.join(params["project_root"], folder)
        if os.path.isdir(folder) and folder not in sys.path:
            sys.path.insert(0, folder)
        configs = params.get("plugin_config") or {}
        errors = []
        udfs = []
        from mxcp.plugins import MXCPBasePlugin

        for entry in entries:
            name = entry.get("name")
            module_name = entry.get("module")
            try:
                config_name = entry.get("config")
                if config_name and config_name not in configs:
                    raise LookupError(f"Plugin configuration '{config_name}' not found in plugin config")
                try:
                    module = importlib.import_module(module_name)
                except ImportError as e:
                    raise ImportError(f"Failed to import plugin module {module_name}: {e}") from e
                plugin_class = getattr(module, "MXCPPlugin", None)
                if plugin_class is None:
                    raise LookupError(f"Module {module_name} must contain an MXCPPlugin class")
                if not (isinstance(plugin_class, type) and issubclass(plugin_class, MXCPBasePlugin)):
                    raise TypeError(f"Plugin class in {module_name} must inherit from MXCPBasePlugin")
                plugin = plugin_class(dict(configs.get(config_name) or {}))
                state.project.plugins[name] = plugin
                for definition in plugin.udfs():
                    function = f"{definition['name']}_{name}"
                    state.project.udfs[function] = definition["method"]
                    udfs.append({"name": function, "plugin": name, "module": module_name, "method": definition["name"],
                                 "args": list(definition["args"]), "return_type": definition["return_type"]})
            except BaseException as e:  # noqa: BLE001
                errors.append({"plugin": name, "module": module_name, "message": _message(e), "type": type(e).__name__,
                               "traceback": _traceback(e)})
        return errors, udfs

    def _run_hooks(self, hooks):
        errors = []
        for hook in list(hooks):
            try:
                self._run_in_context(hook, state.CallState(transport="hook"))
            except BaseException as e:  # noqa: BLE001 - hook errors are reported, not fatal (as in MXCP)
                name = getattr(hook, "__qualname__", repr(hook))
                errors.append({"hook": f"{getattr(hook, '__module__', '?')}.{name}", "message": _message(e),
                               "type": type(e).__name__, "traceback": _traceback(e)})
        return errors

    def _run_in_context(self, function, call):
        """Runs a no-argument function (sync, or async on the loop) with ``call`` as its execution context."""
        if _is_async(function):
            async def run():
                state.set_current(call)
                return await function()

            return asyncio.run_coroutine_threadsafe(run(), self.loop).result()

        def body():
            state.set_current(call)
            result = function()
            if inspect.isawaitable(result):
                result = asyncio.run_coroutine_threadsafe(_await(result), self.loop).result()
            return result

        return contextvars.Context().run(body)

    def _validate(self, params):
        path = params["file"]
        function = self.loader.resolve(path, params.get("function"), params.get("kind") or "tool")
        rel = self.loader.relative(os.path.abspath(path))
        name = params.get("function") or getattr(function, "__name__", "?")
        errors = loader.check_signature(function, params.get("parameters") or [], rel, name)
        if errors:
            raise loader.LoadError("; ".join(errors))
        return {"function": name, "async": _is_async(function)}

    def _shutdown(self, params):
        errors = self._run_hooks(state.project.shutdown_hooks)
        from mxcp.plugins import run_plugin_shutdown_hooks

        for name, e in run_plugin_shutdown_hooks():
            errors.append({"hook": f"mxcp.plugins.on_shutdown {name}", "message": _message(e), "type": type(e).__name__, "traceback": _traceback(e)})
        for name, plugin in list(state.project.plugins.items()):
            try:
                shutdown = getattr(plugin, "shutdown", None)
                if callable(shutdown):
                    shutdown()
            except BaseException as e:  # noqa: BLE001
                errors.append({"hook": f"plugin {name}.shutdown", "message": _message(e), "type": type(e).__name__, "traceback": _traceback(e)})
        return {"hook_errors": errors}

    def _run_payload(self, params):
        payload = state.project.take_payload(params.get("payload"))
        if payload is None:
            raise LookupError(f"no reload payload {params.get('payload')!r} in this worker")
        self._run_in_context(payload, state.CallState(transport="reload"))
        return {}

    # -- calls -----------------------------------------------------------------------------------------------------

    def _invoke(self, request_id, params):
        try:
            function = self.loader.resolve(params["file"], params.get("function"), params.get("kind") or "tool")
            arguments = codec.decode(params.get("arguments") or {})
        except loader.LoadError as e:
            self.channel.respond_error(request_id, ERROR_LOAD, f"Failed to execute Python code: {e}")
            return
        context = params.get("context") or {}
        call = state.CallState(
            call_id=params.get("call"),
            user=context.get("user"),
            request_headers=context.get("request_headers"),
            transport=context.get("transport"),
            session_id=context.get("session_id"),
            trace_id=context.get("trace_id"),
            traceparent=context.get("traceparent"),
        )
        with self.inflight_lock:
            self.inflight[request_id] = call
        if _is_async(function):
            call.future = asyncio.run_coroutine_threadsafe(self._run_async(request_id, function, arguments, call), self.loop)
        else:
            call.future = self.pool.submit(self._run_sync, request_id, function, arguments, call)
        # A call cancelled before it started never runs its own clean-up.
        call.future.add_done_callback(lambda _: self._done(request_id))

    def _udf(self, request_id, params):
        """A plugin's SQL function over the rows of one DuckDB chunk: the method is called once per row with the
        row's arguments (positionally, NULL as None), in one thread; the results go back in one answer."""
        name = params.get("function")
        method = state.project.udfs.get(name)
        if method is None:
            self.channel.respond_error(request_id, ERROR_LOAD, f"no SQL function {name} in this worker's plugins")
            return
        rows = codec.decode(params.get("rows") or [])
        context = params.get("context") or {}
        call = state.CallState(
            call_id=params.get("call"),
            user=context.get("user"),
            request_headers=context.get("request_headers"),
            transport=context.get("transport"),
            session_id=context.get("session_id"),
            trace_id=context.get("trace_id"),
        )
        is_async = _is_async(method)

        def batch():
            results = []
            for row in rows:
                value = method(*row)
                if is_async or inspect.isawaitable(value):
                    value = asyncio.run_coroutine_threadsafe(_await(value), self.loop).result()
                results.append(value)
            return results

        with self.inflight_lock:
            self.inflight[request_id] = call
        call.future = self.pool.submit(self._run_sync, request_id, batch, {}, call, True)
        call.future.add_done_callback(lambda _: self._done(request_id))

    async def _run_async(self, request_id, function, arguments, call):
        state.set_current(call)
        try:
            value = await function(**arguments)
            self._send_result(request_id, value)
        except asyncio.CancelledError:
            self.channel.respond_error(request_id, ERROR_CANCELLED, "The call was cancelled")
        except BaseException as e:  # noqa: BLE001
            self._send_exception(request_id, e)
        finally:
            self._done(request_id)

    def _run_sync(self, request_id, function, arguments, call, typed=False):
        def body():
            state.set_current(call)
            with call.lock:
                if call.cancelled:
                    raise CallCancelled()
                call.thread_id = threading.get_ident()
            try:
                value = function(**arguments)
                if inspect.isawaitable(value):
                    value = asyncio.run_coroutine_threadsafe(_await(value), self.loop).result()
                return value
            finally:
                with call.lock:
                    call.thread_id = None

        try:
            try:
                value = contextvars.Context().run(body)
            except CallCancelled:
                self.channel.respond_error(request_id, ERROR_CANCELLED, "The call was cancelled")
                return
            except BaseException as e:  # noqa: BLE001
                self._send_exception(request_id, e)
                return
            self._send_result(request_id, value, typed)
        except CallCancelled:
            # A cancellation that arrived just as the call finished: the host no longer waits for it.
            pass
        finally:
            self._done(request_id)

    def _send_result(self, request_id, value, typed=False):
        # The host's result limits, checked here so that a result too large never crosses the pipe (the host's message
        # names the limit and how to raise it).
        max_rows = state.project.max_result_rows
        if max_rows and isinstance(value, (list, tuple)) and len(value) > max_rows:
            self.channel.respond_error(request_id, ERROR_TOO_MANY_ROWS, "The result has too many rows")
            return
        try:
            # SQL function results keep their types (dates, decimals, bytes, durations) for the SQL type they become.
            text = codec.dumps(value, tagged=typed, durations=typed)
        except (TypeError, ValueError, RecursionError) as e:
            self.channel.respond_error(request_id, ERROR_ENCODING, f"The function returned a value that cannot be sent as JSON: {e}")
            return
        max_bytes = state.project.max_result_bytes
        if max_bytes and len(text) > max_bytes // 4 and len(text.encode("utf-8", errors="surrogatepass")) > max_bytes:
            self.channel.respond_error(request_id, ERROR_TOO_MANY_BYTES, "The result is too large")
            return
        self.channel.respond(request_id, text)

    def _send_exception(self, request_id, error):
        self.channel.respond_error(request_id, ERROR_EXECUTION, _message(error),
                                   {"type": type(error).__name__, "traceback": _traceback(error)})

    def _done(self, request_id):
        with self.inflight_lock:
            self.inflight.pop(request_id, None)

    def _cancel(self, request_id):
        with self.inflight_lock:
            call = self.inflight.get(request_id)
        if call is None:
            return
        with call.lock:
            call.cancelled = True
            thread_id = call.thread_id
            if thread_id is not None:
                # Best effort: the exception is raised at the thread's next Python instruction (not inside a blocking C call).
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(CallCancelled))
        if call.future is not None:
            # Cancels an async call's task, or a sync call that has not started yet; a running thread is left to the
            # exception above.
            call.future.cancel()


async def _await(awaitable):
    return await awaitable


def _is_async(function):
    target = function
    while hasattr(target, "func") and not inspect.isfunction(target):  # functools.partial
        target = target.func
    return inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(getattr(target, "__call__", None))


def _message(error):
    text = str(error)
    return text if text else type(error).__name__


_OWN_FILES = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_FUTURES = os.sep + os.path.join("concurrent", "futures") + os.sep


def _traceback(error):
    """The traceback without the worker's own frames (and the futures plumbing), so the user's code stands out."""
    summary = traceback.TracebackException.from_exception(error)
    for exc in _chain(summary):
        kept = [f for f in exc.stack if not f.filename.startswith(_OWN_FILES) and _FUTURES not in f.filename]
        if kept:
            exc.stack = traceback.StackSummary.from_list(kept)
    return "".join(summary.format())


def _chain(summary):
    seen = set()
    while summary is not None and id(summary) not in seen:
        seen.add(id(summary))
        yield summary
        summary = summary.__cause__ or summary.__context__


def _take_protocol_fds():
    """Moves the protocol off fds 0 and 1: fd 0 becomes /dev/null and fd 1 a copy of stderr, so prints, input() and
    child processes can never read or write protocol bytes."""
    protocol_in = os.dup(0)
    protocol_out = os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull, "r", encoding="utf-8")
    sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", closefd=False), encoding="utf-8", errors="backslashreplace", line_buffering=True)
    return os.fdopen(protocol_in, "rb"), os.fdopen(protocol_out, "wb")


def _install_trace_ids():
    """Every log record gets ``trace_id`` and ``span_id`` (empty strings outside a traced call), so that a format such
    as ``%(trace_id)s`` ties a line of endpoint code to the call's trace. The worker's own format shows the trace id
    when there is one."""
    factory = logging.getLogRecordFactory()

    def record(*args, **kwargs):
        rec = factory(*args, **kwargs)
        call = state.current_or_none()
        rec.trace_id = (call.trace_id or "") if call is not None else ""
        rec.span_id = (call.span_id or "") if call is not None else ""
        rec.mxcp_trace = f" [trace_id={rec.trace_id}]" if rec.trace_id else ""
        return rec

    logging.setLogRecordFactory(record)


def main():
    reader, writer = _take_protocol_fds()
    _install_trace_ids()
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(name)s%(mxcp_trace)s: %(message)s")
    worker = Worker(Channel(reader, writer))
    try:
        worker.serve()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(0)
