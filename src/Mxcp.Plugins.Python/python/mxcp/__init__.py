"""The parts of the MXCP Python package that endpoint code imports, provided by the Mxcp for .NET Python plugin."""
