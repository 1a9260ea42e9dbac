"""The user of the current call, as ``mxcp.sdk.auth.context.get_user_context()`` gives it in MXCP."""

from mxcp._host import state as _state

_FIELDS = ("provider", "user_id", "username", "email", "name", "avatar_url", "raw_profile", "external_token", "capabilities")


class UserContextModel:
    """The authenticated user: ``provider``, ``user_id``, ``username``, ``email``, ``name``, ``avatar_url``,
    ``raw_profile`` (the claims), ``external_token`` (the upstream access token) and ``capabilities``."""

    __slots__ = _FIELDS

    def __init__(self, **values):
        for field in _FIELDS:
            setattr(self, field, values.get(field))
        if self.capabilities is None:
            self.capabilities = []

    def model_dump(self, exclude=None):
        exclude = set(exclude or ())
        return {f: getattr(self, f) for f in _FIELDS if f not in exclude}

    def __repr__(self):
        return f"UserContextModel(provider={self.provider!r}, username={self.username!r})"


def get_user_context():
    """The user of the current call, or None for anonymous calls and outside calls."""
    call = _state.current_or_none()
    if call is None or not call.user:
        return None
    return UserContextModel(**call.user)
