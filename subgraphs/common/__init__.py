"""Plumbing shared by the four subgraphs: settings, database, HTTP app, loaders."""
