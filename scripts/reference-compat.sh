#!/usr/bin/env bash
# Measures Mxcp against the reference MXCP's own offline fixture projects and examples.
#
# Usage: scripts/reference-compat.sh REFERENCE_DIR [MXCP]
#   REFERENCE_DIR  a checkout of raw-labs/mxcp (its tests/server/fixtures and examples are read, never changed)
#   MXCP           the mxcp to measure (default: artifacts/mxcp/mxcp, as ./run-sample.sh publishes it)
#
# Each project is copied to a temporary folder and run with a private HOME. For each one the script runs
# `mxcp validate`, `mxcp list`, `mxcp test` and the `mxcp run` calls the reference's own tests make, and prints one
# table row: what the reference's test suite expects of the project, and what Mxcp did. Details of every
# mismatch follow the table. Needs python3. Exits 0 (it measures; it does not judge).
set -euo pipefail
exec python3 "$(dirname "$0")/reference_compat.py" "$@"
