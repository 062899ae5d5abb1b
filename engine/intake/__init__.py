"""Stage 1, reading input: strict YAML/JSON sources, case files, request text and the vocabulary of names.

Imports nothing from the later stages (knowledge, decide, advise, report, quality, cli)."""
