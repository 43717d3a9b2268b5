"""The public gateway benchmark's graph (accounts, inventory, products, reviews) served from Python."""
