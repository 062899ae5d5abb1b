"""Stage 2, knowledge: the rule pack (rules, tables, vocabulary), the fact catalog, the operator table
and the compiler to durable_rules. Reads only from intake."""
