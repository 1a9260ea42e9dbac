"""The parts of ``mxcp.sdk`` that endpoint code uses: ``mxcp.sdk.auth.context`` and ``mxcp.sdk.executor``."""
