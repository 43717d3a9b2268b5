"""The scopes Graft's tokens carry: the one place their names are spelled, for the OAuth2
server that grants them, the router that prunes by them and every subgraph that checks them."""

ADMIN = "admin"
PROFILE = "profile"
ORDERS_READ = "orders:read"
ORDERS_WRITE = "orders:write"  # place and cancel one's orders
PAYMENTS_WRITE = "payments:write"
PAYMENTS_ADMIN = "payments:admin"
CATALOG_READ = "catalog:read"
CATALOG_WRITE = "catalog:write"
INVENTORY_READ = "inventory:read"
ORDERS_FULFIL = "orders:fulfil"  # the fulfilment partner records fulfilment, shipping and delivery
# Service-only: granted to the services' own clients (client_credentials), never to a shopper
# or an admin, and not implied by `admin`.
INVENTORY_RESERVE = "inventory:reserve"  # the orders service holds and releases stock in the catalog
ORDERS_PAY = "orders:pay"  # the payments service reads any order to charge it
EVENTS_DELIVER = "events:deliver"  # a service's relay delivers domain events to another over HTTP

SHOPPER = (PROFILE, ORDERS_READ, ORDERS_WRITE, PAYMENTS_WRITE)
ADMIN_SCOPES = (*SHOPPER, ADMIN, CATALOG_READ, CATALOG_WRITE, INVENTORY_READ, PAYMENTS_ADMIN)
SERVICE = (INVENTORY_RESERVE, ORDERS_PAY, EVENTS_DELIVER)
ALL = (*ADMIN_SCOPES, ORDERS_FULFIL, *SERVICE)
