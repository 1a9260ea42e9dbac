"""Authentication data of the current call."""

from mxcp.sdk.auth.context import UserContextModel, get_user_context

__all__ = ["UserContextModel", "get_user_context"]
