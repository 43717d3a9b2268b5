"""Keys, tokens and passwords: a library both the router and the subgraphs import."""
