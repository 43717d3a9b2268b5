"""Benchmark harness: Graft's router against Apollo Gateway and Hive Gateway on the same subgraphs."""
