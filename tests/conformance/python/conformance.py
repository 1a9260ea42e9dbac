"""Python fixture tools of the MCP conformance suite: notifications sent while a call runs."""

import asyncio

from mxcp.runtime import mcp


async def test_tool_with_logging():
    await mcp.info("Tool execution started")
    await asyncio.sleep(0.05)
    await mcp.info("Tool processing data")
    await asyncio.sleep(0.05)
    await mcp.info("Tool execution completed")
    return "Tool with logging executed successfully"


async def test_tool_with_progress():
    await mcp.progress(0, 100)
    await asyncio.sleep(0.05)
    await mcp.progress(50, 100)
    await asyncio.sleep(0.05)
    await mcp.progress(100, 100)
    return "Tool with progress executed successfully"
