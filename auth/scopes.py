"""The scopes Graft's tokens carry."""

ADMIN = "admin"
ORDERS_READ = "orders:read"
SHOPPER = ("profile", ORDERS_READ, "orders:write", "payments:write")
CATALOG_READ = "catalog:read"
CATALOG_WRITE = "catalog:write"
INVENTORY_READ = "inventory:read"
PAYMENTS_ADMIN = "payments:admin"
ADMIN_SCOPES = (*SHOPPER, ADMIN, CATALOG_READ, CATALOG_WRITE, INVENTORY_READ, PAYMENTS_ADMIN)
