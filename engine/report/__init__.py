"""Stage 5, reports: explanations, the check report, the rule and fact catalogs, in text, markdown,
HTML and JSON."""
