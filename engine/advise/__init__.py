"""Stage 4, advice for `ur check`: the documentation checklist and the smallest verified change."""
