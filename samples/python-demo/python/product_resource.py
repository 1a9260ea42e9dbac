"""The function of the catalog://products/{product_id} resource (a resource calls main())."""

from mxcp.runtime import db


def main(product_id):
    rows = db.execute("SELECT product_id, name, category, price, added_on FROM products WHERE product_id = $id", {"id": product_id})
    if not rows:
        raise ValueError(f"No product {product_id}")
    return rows[0]
