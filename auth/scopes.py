"""The scopes Graft's tokens carry: the one place their names are spelled, for the OAuth2
server that grants them, the router that prunes by them and every subgraph that checks them."""

ADMIN = "admin"
PROFILE = "profile"
ORDERS_READ = "orders:read"
ORDERS_WRITE = "orders:write"  # place orders; the orders service holds stock in the catalog with it
PAYMENTS_WRITE = "payments:write"
PAYMENTS_ADMIN = "payments:admin"
CATALOG_READ = "catalog:read"
CATALOG_WRITE = "catalog:write"
INVENTORY_READ = "inventory:read"

SHOPPER = (PROFILE, ORDERS_READ, ORDERS_WRITE, PAYMENTS_WRITE)
ADMIN_SCOPES = (*SHOPPER, ADMIN, CATALOG_READ, CATALOG_WRITE, INVENTORY_READ, PAYMENTS_ADMIN)
