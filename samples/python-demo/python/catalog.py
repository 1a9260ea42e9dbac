"""Python tools of the demo catalog: sync and async functions, db.execute with parameters, secrets, the caller, hooks.

Everything imported from mxcp.runtime works as in MXCP; the module ships with the Mxcp Python plugin.
"""

import asyncio
import datetime
import decimal
import statistics

from mxcp.runtime import config, db, mcp, on_init, on_shutdown
from mxcp.sdk.auth.context import get_user_context
from mxcp.sdk.executor import get_execution_context


@on_init
def record_start():
    """Runs when a worker starts (server start, reload, restart after a crash), with the database available."""
    db.execute("CREATE TABLE IF NOT EXISTS worker_events (event VARCHAR, happened_at TIMESTAMP)")
    db.execute("INSERT INTO worker_events VALUES ('start', now())")


@on_shutdown
def record_stop():
    """Runs when the worker stops (server stop, or before a reload), before the database closes."""
    db.execute("INSERT INTO worker_events VALUES ('stop', now())")


def search_products(category, max_price):
    """A sync tool: runs on a worker thread; db.execute binds $name parameters like SQL endpoints."""
    return db.execute(
        "SELECT product_id, name, price FROM products WHERE category = $category AND price <= $max_price ORDER BY price, product_id",
        {"category": category, "max_price": max_price},
    )


def price_stats(category):
    """Rich return values: Decimal, date and datetime become JSON numbers and ISO strings."""
    rows = db.execute("SELECT price, added_on FROM products WHERE category = $category", {"category": category})
    prices = [decimal.Decimal(str(r["price"])) for r in rows]
    return {
        "category": category,
        "count": len(prices),
        "total": sum(prices, decimal.Decimal("0.00")),
        "median": statistics.median(prices) if prices else None,
        "newest": max(datetime.date.fromisoformat(r["added_on"]) for r in rows) if rows else None,
        "computed_at": datetime.datetime(2024, 12, 31, 23, 59, tzinfo=datetime.timezone.utc),
    }


async def price_report(categories):
    """An async tool: runs on the worker's event loop and reports progress and log messages to the MCP client."""
    report = []
    await mcp.info(f"building a report over {len(categories)} categories")
    for i, category in enumerate(categories):
        await asyncio.sleep(0.05)
        rows = db.execute("SELECT count(*) AS n, avg(price)::DOUBLE AS average FROM products WHERE category = $c", {"c": category})
        report.append({"category": category, "products": rows[0]["n"], "average_price": round(rows[0]["average"] or 0, 2)})
        await mcp.progress(i + 1, len(categories), f"{category} done")
    return report


def inventory_status():
    """Secrets and settings: config.get_secret gives the secret's parameters; never return the secret itself."""
    secret = config.get_secret("inventory_api")
    return {
        "project": config.get_setting("project"),
        "endpoint": secret["url"] if secret else None,
        "token_configured": bool(secret and secret.get("token")),
    }


def whoami():
    """The caller: the user context and the request headers come with every call."""
    user = get_user_context()
    context = get_execution_context()
    headers = context.get("request_headers") or {}
    return {
        "username": user.username if user else None,
        "provider": user.provider if user else None,
        "tenant": headers.get("x-tenant"),
        "transport": context.get("transport"),
    }


def worker_events():
    """What the hooks recorded: one 'start' per worker start, one 'stop' per worker stop."""
    return db.execute("SELECT event, count(*) AS times FROM worker_events GROUP BY event ORDER BY event")
