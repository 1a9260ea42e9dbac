"""The runtime API of MXCP Python endpoints: ``db``, ``config``, ``plugins``, ``mcp``, ``on_init``, ``on_shutdown``
and ``reload_duckdb``, with the names and behaviour of the MXCP reference implementation.

Everything except the two decorators needs an execution context (a call or a hook); outside one it raises
``RuntimeError("No execution context available - function not called from MXCP executor")``.
"""

import asyncio
import json
import logging

from mxcp._host import codec as _codec
from mxcp._host import state as _state

__all__ = ["db", "config", "plugins", "mcp", "on_init", "on_shutdown", "reload_duckdb"]

_mcp_logger = logging.getLogger("mxcp.runtime.mcp")


def _channel():
    channel = _state.project.channel
    if channel is None:
        raise RuntimeError("No DuckDB runtime available: the worker is not connected to an Mxcp host")
    return channel


class _Db:
    """The project's DuckDB database, reached through the host: the same connection pool and user-context SQL
    functions (``get_username()``, ``get_request_header(name)``, ...) as SQL endpoints."""

    def execute(self, sql, params=None):
        """Runs one SQL statement with ``$name`` parameters and returns its rows as a list of dicts.

        Blocks until the rows arrive (also inside ``async def`` code, as in the reference). Dates and timestamps in
        the rows are ISO 8601 strings, DECIMAL values are numbers.
        """
        call = _state.current()
        if not isinstance(sql, str) or not sql.strip():
            raise ValueError("db.execute needs a SQL string")
        if params is not None and not isinstance(params, dict):
            raise TypeError("db.execute params must be a dict of $name parameters")
        text = '{"call":%s,"sql":%s,"params":%s}' % (
            json.dumps(call.call_id), json.dumps(sql, ensure_ascii=False), _codec.dumps(params or {}, tagged=True))
        return _channel().request("db.execute", text)


class _Config:
    """The project configuration: secrets and settings of the active profile."""

    def get_secret(self, name):
        """The ``parameters`` dict of the secret ``name`` of the active profile; ``{}`` when it has none, None when
        there is no such secret."""
        _state.current()
        for secret in _state.project.secrets:
            if secret.get("name") == name:
                return dict(secret.get("parameters") or {})
        return None

    def get_setting(self, key, default=None):
        """A value of ``mxcp-site.yml``; dotted keys (``dbt.enabled``) walk into sections."""
        _state.current()
        value = _state.project.site_config
        for part in key.split("."):
            if isinstance(value, dict) and part in value:
                value = value[part]
            else:
                return default
        return value

    @property
    def user_config(self):
        """The user configuration (``~/.mxcp/config.yml``) as a dict, references of the active profile resolved."""
        _state.current()
        return _state.project.user_config

    @property
    def site_config(self):
        """The site configuration (``mxcp-site.yml``) as a dict."""
        _state.current()
        return _state.project.site_config


class _Plugins:
    """The project's MXCP plugins (the ``plugin:`` list of ``mxcp-site.yml``), instantiated in this worker."""

    def get(self, name):
        _state.current()
        return _state.project.plugins.get(name)

    def list(self):
        _state.current()
        return list(_state.project.plugins.keys())


class _Mcp:
    """Log and progress notifications to the MCP client of the current request."""

    async def _log(self, level, message, extra):
        call = _state.current_or_none()
        text = str(message)
        if extra:
            text += " " + _codec.dumps(extra)
        if call is None or _state.project.channel is None:
            _mcp_logger.log(getattr(logging, level.upper(), logging.INFO), text)
            return
        params = '{"call":%s,"level":%s,"message":%s}' % (json.dumps(call.call_id), json.dumps(level), json.dumps(text, ensure_ascii=False))
        await asyncio.wrap_future(_state.project.channel.request_future("mcp.log", params))

    async def debug(self, message, **extra):
        await self._log("debug", message, extra)

    async def info(self, message, **extra):
        await self._log("info", message, extra)

    async def warning(self, message, **extra):
        await self._log("warning", message, extra)

    async def error(self, message, **extra):
        await self._log("error", message, extra)

    async def progress(self, progress, total=None, message=None):
        call = _state.current_or_none()
        if call is None or _state.project.channel is None:
            return
        params = '{"call":%s,"progress":%s,"total":%s,"message":%s}' % (
            json.dumps(call.call_id), json.dumps(float(progress)),
            json.dumps(None if total is None else float(total)), json.dumps(message, ensure_ascii=False))
        await asyncio.wrap_future(_state.project.channel.request_future("mcp.progress", params))


db = _Db()
config = _Config()
plugins = _Plugins()
mcp = _Mcp()


def on_init(func):
    """Registers a no-argument function (sync or async) run after the project's modules are loaded, each time a
    worker starts (start-up, reload, restart after a crash). ``db`` and ``config`` work inside it."""
    _state.project.init_hooks.append(func)
    return func


def on_shutdown(func):
    """Registers a no-argument function (sync or async) run when the worker stops: server stop, or before a reload."""
    _state.project.shutdown_hooks.append(func)
    return func


def reload_duckdb(payload_func=None, description=""):
    """Queues a reload of the whole project and returns at once.

    The reload waits for the calls in flight (this one included) to finish, runs the ``@on_shutdown`` hooks, closes
    DuckDB, runs ``payload_func()`` (no arguments, in this worker process, while the database file is closed: the
    time to replace it), then loads the project again (new workers, ``@on_init`` hooks). Only available while
    serving a request, not from ``mxcp run``.
    """
    call = _state.current()
    if payload_func is not None and not callable(payload_func):
        raise TypeError("reload_duckdb payload_func must be callable")
    payload_id = _state.project.add_payload(payload_func) if payload_func is not None else None
    params = '{"call":%s,"description":%s,"payload":%s}' % (
        json.dumps(call.call_id), json.dumps(description or "", ensure_ascii=False), json.dumps(payload_id))
    try:
        _channel().request("reload", params)
    except Exception:
        if payload_id is not None:
            _state.project.take_payload(payload_id)
        raise
