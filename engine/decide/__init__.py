"""Stage 3, deciding: resolve items, derive facts, run the durable_rules host, build decisions and
decision records (one case, or a batch of them)."""
