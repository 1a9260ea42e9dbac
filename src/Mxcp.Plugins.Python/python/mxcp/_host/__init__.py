"""Worker internals: the protocol with the host, value encoding, module loading. Not for endpoint code."""
