"""Product lines with quantities, as orders and stock reservations both take them."""

from __future__ import annotations

from subgraphs.common.errors import BAD_USER_INPUT, graphql_error


def quantities_per_product(items: list[tuple[int, int]], maximum: int, what: str) -> dict[int, int]:
    """Each line between 1 and `maximum`; lines for one product merged. Checked before any I/O."""
    if not items:
        raise graphql_error(f"{what} needs at least one item")
    merged: dict[int, int] = {}
    for product_id, quantity in items:
        if not 1 <= quantity <= maximum:
            raise graphql_error(
                f"Quantity for product {product_id} must be between 1 and {maximum}, got {quantity}",
                BAD_USER_INPUT, productId=str(product_id),
            )
        merged[product_id] = merged.get(product_id, 0) + quantity
    return merged
