#!/bin/bash
# check-mxcp.sh - the monitoring script of the MXCP admin socket documentation, unchanged but for SOCKET,
# which the test passes in. It must work against Mxcp as it does against MXCP.

SOCKET="${MXCP_ADMIN_SOCKET:-/run/mxcp/mxcp.sock}"

# Check if socket exists
if [ ! -S "$SOCKET" ]; then
  echo "CRITICAL: Admin socket not found"
  exit 2
fi

# Get status
STATUS=$(curl -s --unix-socket $SOCKET http://localhost/status 2>/dev/null)

if [ $? -ne 0 ]; then
  echo "CRITICAL: Cannot connect to admin socket"
  exit 2
fi

# Parse status
VERSION=$(echo $STATUS | jq -r '.version')
UPTIME=$(echo $STATUS | jq -r '.uptime')
STATUS_OK=$(echo $STATUS | jq -r '.status')

if [ "$STATUS_OK" != "ok" ]; then
  echo "WARNING: MXCP status is $STATUS_OK"
  exit 1
fi

# Check for reload errors
RELOAD_STATUS=$(echo $STATUS | jq -r '.reload.last_reload_status')
if [ "$RELOAD_STATUS" = "error" ]; then
  echo "WARNING: Last reload failed"
  exit 1
fi

# Get endpoint counts from /config
CONFIG=$(curl -s --unix-socket $SOCKET http://localhost/config 2>/dev/null)
TOOLS=$(echo $CONFIG | jq -r '.endpoints.tools')

echo "OK: MXCP v$VERSION, uptime $UPTIME, $TOOLS tools"
exit 0
