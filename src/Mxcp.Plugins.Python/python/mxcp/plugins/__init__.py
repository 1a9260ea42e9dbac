"""Base class of MXCP plugins (the ``plugin:`` list of ``mxcp-site.yml``).

A plugin module exposes a class named ``MXCPPlugin`` that subclasses ``MXCPBasePlugin``; the worker creates it with
the plugin's configuration (``plugin.config.<name>`` of the active user profile) and endpoint code reaches it with
``mxcp.runtime.plugins.get(name)``. Methods decorated with ``@udf`` are callable from Python; this host does not
register them as DuckDB SQL functions (DuckDB runs in the host process, not in the worker).
"""

from mxcp.sdk.auth.context import get_user_context


def udf(func):
    """Marks a plugin method as a user-defined function."""
    func._mxcp_udf = True
    return func


class MXCPBasePlugin:
    """Base of MXCP plugins: keeps the configuration and gives the current user's details."""

    def __init__(self, config=None, user_context=None):
        self.config = dict(config or {})
        self._user_context = user_context

    def udfs(self):
        """The names of the methods marked ``@udf``."""
        return [name for name in dir(self) if getattr(getattr(self, name, None), "_mxcp_udf", False)]

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

    def shutdown(self):
        """Called when the worker stops; override to release resources."""


__all__ = ["MXCPBasePlugin", "udf"]
