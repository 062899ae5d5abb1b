"""Stage 6, quality: regression runs, coverage, lint and the impact of a rule change."""
