"""MXCP plugins: the ``plugin:`` list of ``mxcp-site.yml``.

A plugin module exposes a class named ``MXCPPlugin`` that subclasses ``MXCPBasePlugin``. The worker creates it with
the plugin's configuration (``plugin.config.<name>`` of the active user profile, a dict of strings). Its methods
decorated with ``@udf`` become SQL functions named ``<method>_<plugin name>`` (``decrypt_str_secret``), which SQL
endpoints, ``db.execute`` and the built-in SQL tools can call: DuckDB hands each function a chunk of rows at a time and
the host calls the method once per row, in this worker. The type hints of a ``@udf`` method give the SQL types of its
parameters and result (``str`` VARCHAR, ``int`` INTEGER, ``float`` DOUBLE, ``bool`` BOOLEAN, ``Decimal`` DECIMAL,
``date``, ``time``, ``datetime`` TIMESTAMP, ``timedelta`` INTERVAL, ``bytes`` BLOB, ``list[T]``, ``dict[K, V]``
MAP, a class with annotations (TypedDict, dataclass) STRUCT, ``Optional[T]`` T). NULL arguments arrive as None.
Endpoint code reaches the instance with ``mxcp.runtime.plugins.get(name)``.
"""

import dataclasses
import inspect
import logging
import types
import typing
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from mxcp.sdk.auth.context import get_user_context

__all__ = ["MXCPBasePlugin", "udf", "on_shutdown", "get_active_plugins"]

_log = logging.getLogger("mxcp.plugins")

_active_plugins = []
_shutdown_hooks = []

_SQL_TYPES = {
    str: "VARCHAR",
    int: "INTEGER",
    float: "DOUBLE",
    bool: "BOOLEAN",
    Decimal: "DECIMAL",
    date: "DATE",
    time: "TIME",
    datetime: "TIMESTAMP",
    timedelta: "INTERVAL",
    bytes: "BLOB",
}


def udf(func):
    """Marks a plugin method as a SQL function (``<method>_<plugin name>``). Every parameter and the result need a type hint."""
    func._is_udf = True
    return func


def on_shutdown(func):
    """Registers a no-argument function run when the worker stops (server stop, reload), with the plugins' ``shutdown()``."""
    _shutdown_hooks.append(func)
    return func


def get_active_plugins():
    """The plugin instances created in this worker."""
    return list(_active_plugins)


def run_plugin_shutdown_hooks():
    """Runs the ``@on_shutdown`` functions of this module (newest first); returns the errors as (name, exception)."""
    errors = []
    for hook in reversed(_shutdown_hooks):
        try:
            hook()
        except Exception as e:  # noqa: BLE001 - every hook runs
            errors.append((getattr(hook, "__qualname__", repr(hook)), e))
    return errors


def _sql_type(hint):
    """The SQL type of a type hint, as the reference maps them; raises ValueError for a type it cannot map."""
    if hint is typing.Any:
        raise ValueError("Type 'Any' is not supported in UDF type annotations. Please specify a concrete type.")
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        hint = typing.get_args(hint)[0]
        origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(members) == 1:
            return _sql_type(members[0])
        raise ValueError(f"Type '{hint}' is not supported in UDF type annotations (a union of several types)")
    if origin is list:
        (item,) = typing.get_args(hint) or (None,)
        if item is None:
            raise ValueError("Type 'list' needs its item type in UDF type annotations (list[int])")
        return f"{_sql_type(item)}[]"
    if origin is dict:
        args = typing.get_args(hint)
        if len(args) != 2:
            raise ValueError("Type 'dict' needs its key and value types in UDF type annotations (dict[str, int])")
        return f"MAP({_sql_type(args[0])}, {_sql_type(args[1])})"
    if hint in _SQL_TYPES:
        return _SQL_TYPES[hint]
    if isinstance(hint, type) and (getattr(hint, "__annotations__", None) or dataclasses.is_dataclass(hint)):
        try:
            fields = typing.get_type_hints(hint)
        except Exception:  # noqa: BLE001 - unresolvable forward references: use the raw annotations
            fields = dict(hint.__annotations__)
        members = ", ".join('"%s" %s' % (name.replace('"', '""'), _sql_type(field)) for name, field in fields.items())
        return f"STRUCT({members})"
    raise ValueError(f"Type '{hint}' is not supported in UDF type annotations")


class MXCPBasePlugin:
    """Base of MXCP plugins: keeps the configuration, turns ``@udf`` methods into SQL function definitions and gives
    the current user's details (inside a call, also when the plugin was created without a user context)."""

    def __init__(self, config=None, user_context=None):
        self._config = dict(config or {})
        self.config = self._config
        self._user_context = user_context
        _active_plugins.append(self)

    @property
    def user_context(self):
        """The user context given to the constructor, else the user of the current call (None outside one)."""
        return self._user()

    def _user(self):
        return self._user_context or get_user_context()

    def get_user_token(self):
        user = self._user()
        return user.external_token if user else None

    def get_username(self):
        user = self._user()
        return user.username if user else None

    def get_user_email(self):
        user = self._user()
        return user.email if user else None

    def get_user_provider(self):
        user = self._user()
        return user.provider if user else None

    def is_authenticated(self):
        return self._user() is not None

    def _get_duckdb_type(self, python_type):
        """The SQL type of a Python type hint."""
        return _sql_type(python_type)

    def udfs(self):
        """The ``@udf`` methods as ``{"name", "method", "args", "return_type"}`` dicts (SQL type texts), by name.

        Methods without type hints or without a return type are left out with a warning; a hint that has no SQL type
        (``Any``, a union, an unknown class) raises ValueError naming it.
        """
        definitions = []
        for name, function in inspect.getmembers(type(self), predicate=inspect.isfunction):
            if not getattr(function, "_is_udf", False):
                continue
            hints = typing.get_type_hints(function, include_extras=True)
            if not hints:
                _log.warning("Skipping UDF %s of %s: no type hints", name, type(self).__name__)
                continue
            if hints.get("return", typing.Any) is typing.Any:
                _log.warning("Skipping UDF %s of %s: no return type annotation", name, type(self).__name__)
                continue
            parameters = [p for p in inspect.signature(function).parameters.values() if p.name != "self"]
            try:
                args = [_sql_type(hints.get(p.name, typing.Any)) for p in parameters]
                result = _sql_type(hints["return"])
            except ValueError as e:
                raise ValueError(f"UDF {name} of {type(self).__name__}: {e}") from None
            definitions.append({"name": name, "method": getattr(self, name), "args": args, "return_type": result})
        return definitions

    @classmethod
    def find_plugins(cls, module):
        """The subclasses of this class in the module named ``module``."""
        import importlib

        loaded = importlib.import_module(module)
        return [obj for _, obj in inspect.getmembers(loaded, inspect.isclass) if issubclass(obj, cls) and obj is not cls]

    def shutdown(self):
        """Called when the worker stops (server stop, reload); override to release resources."""
