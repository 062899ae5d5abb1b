"""Clinical knowledge is data: no guideline number, list, table or mapping is left in engine/.

An ast scan of every engine module finds (1) module- and class-level literal tables (a non-empty
dict, list, tuple or set of literals), (2) numbers other than 0 and 1 (and literal dates) in comparisons anywhere, and
(3) numbers other than 0 and 1 in the arithmetic and the module-level constants of fact
derivations and request reading. Each
finding must be in the short allowlist below, with the reason it is mechanism (a format, a unit,
anatomy, a limit of the program) and not a guideline's choice; everything else belongs in
rules/tables or a rule's condition. The scan is checked on planted offenders, so it can fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "engine"
ARITHMETIC_SCOPE = ("engine/knowledge/facts/", "engine/intake/requests.py")

# (file, assigned name) -> why this literal table is mechanism, not clinical knowledge
TABLES = {
    ("engine/__init__.py", "__all__"): "public API names",
    ("engine/knowledge/facts/__init__.py", "__all__"): "public API names",
    ("engine/decide/evaluate.py", "__all__"): "public API names",
    ("engine/advise/levers.py", "PHASES"): "order in which request fields are tried (program logic)",
    ("engine/advise/levers.py", "NUMERIC"): "the comparison operators a lever can solve",
    ("engine/cli/check_cmd.py", "QUICK"): "quick-entry field names of the case format and their types",
    ("engine/cli/common.py", "(EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT, EXIT_INTERNAL)"): "process exit codes",
    ("engine/cli/__init__.py", "_DEBUG"): "the --debug switch of this process (not knowledge)",
    ("engine/cli/explain_cmd.py", "FORMATS"): "output formats",
    ("engine/decide/host.py", "DRIVERS"): "durable_rules driver names",
    ("engine/knowledge/conditions.py", "TRUE_GUARD"): "the engine fact every compiled rule matches",
    ("engine/knowledge/facts/base.py", "TYPES"): "fact types of the catalog",
    ("engine/knowledge/facts/injection_sedation.py", "_WORDS"): "number words when reading a request",
    ("engine/knowledge/facts/orthopedic_surgery.py", "OPERATIONS"):
        "the values postop.operation may take (a text fact's vocabulary; the mapping is table operation-groups)",
    ("engine/knowledge/facts/procedures.py", "_ROOT_PREFIX"): "anatomy: which nerve roots each spinal region has",
    ("engine/knowledge/facts/services.py", "_DAY_FACTOR"): "units: days in a day, week and month",
    ("engine/knowledge/facts/services.py", "_LIMB_OF_SPINE"): "anatomy: the limbs a spinal region's roots supply",
    ("engine/intake/requests.py", "_REGIONS"): "words for body regions (anatomy, how requests name it)",
    ("engine/intake/requests.py", "_PER_DAY"): "prescription abbreviations (bid = 2 a day): units",
    ("engine/intake/requests.py", "_NUMBER_WORDS"): "number words when reading directions",
    ("engine/knowledge/rules.py", "TIER_ORDER"): "precedence of guideline tiers (MTUS first): the rule format",
    ("engine/knowledge/rules.py", "VERIFIED_LEVELS"): "verification tags that count as verified",
    ("engine/quality/coverage.py", "STATUSES"): "criterion statuses",
    ("engine/cli/serve_cmd.py", "LOOPBACK_NAMES"): "host names of the loopback interface",
    ("engine/server/app.py", "SECURITY_HEADERS"): "HTTP security headers",
    ("engine/server/page.py", "HEADERS"): "HTTP headers of the page",
    ("engine/intake/cases.py", "HISTORIES"): "the case format's history lists",
    ("engine/intake/letter_draft.py", "_ORDER"): "field order of a drafted case file",
    ("engine/intake/letter_draft.py", "_FILLER"): "filler words when reading a letter",
    ("engine/intake/request_wording.py", "_NUMBER_WORDS"): "number words when reading a request",
    ("engine/intake/requests.py", "_SIDE_WORDS"): "words for a side of the body (reading)",
    ("engine/knowledge/facts/core.py", "ROOT_SIGNS"):
        "the case format's exam-sign kinds that localise a nerve root (sensory, motor, reflex): anatomy",
    ("engine/quality/import_check.py", "_SECTIONS"): "case-format sections an import is compared on",
    ("engine/quality/import_check.py", "_NOT_FACTS"): "case-format fields that are not facts",
    ("engine/knowledge/facts/examples.py", "LEVELS"): "spinal levels example cases name (never read when deciding)",
    ("engine/knowledge/editions.py", "KEY_WORDS"): "report wording of the dates an edition is keyed to",
    ("engine/knowledge/facts/surgical_history.py", "_STATED"):
        "the finding each surgery fact takes first, for its example setter (never read when deciding)",
    ("engine/knowledge/facts/core.py", "DAYS_IN_YEAR"): "unit: the facts named 'past year' count 365 days",
    ("engine/knowledge/facts/procedures.py", "HOURS_PER_DAY"): "unit: hours in a day (how long relief lasted)",
    ("engine/knowledge/facts/procedures.py", "DAYS_PER_WEEK"): "unit: days in a week (how long relief lasted)",
    ("engine/quality/impact.py", "RULE_FIELDS"): "rule-file fields ur diff compares",
    ("engine/report/check_text.py", "VERDICT"): "report wording",
    ("engine/report/check_text.py", "STATUS"): "report wording",
    ("engine/report/verification_text.py", "IMPLIED"): "decision fields another field implies (report logic)",
    ("engine/report/verification_text.py", "VERDICT"): "report wording",
    ("engine/report/verification_text.py", "SIGNATURE"): "report wording",
    ("engine/report/verification_text.py", "KINDS"): "report wording per kind of pack file",
    ("engine/decide/record.py", "SEALED"): "decision-record fields the seal covers (the record format)",
    ("engine/quality/regression.py", "LABELS"): "report wording",
    ("engine/quality/scores.py", "OUTCOMES"): "the two IMR outcomes scores are computed for",
    ("engine/report/explain.py", "MARK"): "report wording",
    ("engine/report/explain.py", "VERIFICATION"): "report wording",
    ("engine/report/explain.py", "OUTCOME"): "report wording",
}

# (file, number) -> why a comparison or derivation may use this number
NUMBERS = {
    ("engine/advise/levers.py", 1e-09): "floating-point tolerance",
    ("engine/cli/batch_cmd.py", 0.2): "progress display interval (seconds)",
    ("engine/cli/check_cmd.py", 100000): "input sanity bound of quick entry",
    ("engine/decide/verification.py", 80): "display width",
    ("engine/intake/sources.py", 60): "display width of an error",
    ("engine/intake/vocabulary.py", 50000): "memo size limit",
    ("engine/decide/record.py", 64): "memo size limit (shared record-part hashes)",
    ("engine/decide/items.py", 4096): "memo size limit (request readings)",
    ("engine/decide/record.py", 4096): "memo size limit (the hash of a record's pack part, per rules and entries read)",
    ("engine/knowledge/case_files.py", 100000): "input sanity bound of a finding",
    ("engine/knowledge/pack_check.py", 3): "how many readers an error names",
    ("engine/report/rule_catalog.py", 4): "how many rules a table listing names",
    ("engine/quality/lint.py", 3): "three statuses of a criterion",
    ("engine/report/explain.py", 2): "indentation",
    ("engine/intake/requests.py", 24): "unit: hours in a day (q6h is 4 a day)",
    ("engine/intake/requests.py", 7): "unit: days in a week (a weekly patch is 1/7 a day)",
    ("engine/knowledge/facts/surgical_history.py", 52): "unit: weeks in a year (months of pain as weeks)",
    ("engine/knowledge/facts/core.py", 52): "unit: weeks in a year (calendar arithmetic)",
    ("engine/knowledge/facts/core.py", 12): "unit: months in a year (calendar arithmetic)",
    ("engine/knowledge/facts/surgical_history.py", 12): "unit: months in a year (months of pain as weeks)",
    ("engine/knowledge/facts/base.py", 7): "unit: days in a week",
    ("engine/knowledge/facts/drugs.py", 7): "unit: days in a week",
    ("engine/knowledge/facts/services.py", 7): "unit: days in a week",
    ("engine/knowledge/facts/core.py", 10): "unit: pain scores are out of 10",
    ("engine/knowledge/facts/core.py", 100): "unit: percent",
    ("engine/knowledge/facts/benefit.py", 100): "unit: percent",
    ("engine/intake/letters.py", 3): "parts of a written date",
    ("engine/intake/letters.py", 100): "a two-digit year in a written date",
    ("engine/quality/import_check.py", 2): "depth of a field path",
    ("engine/server/form.py", 3): "digits of a typed number (input parsing)",
    ("engine/server/page.py", 256): "character codes escaped for display",
    ("engine/cli/common.py", 256): "character codes escaped for display (\\x1b or \\u202e)",
    ("engine/intake/strict_json.py", 40): "input limit: digits of a JSON number (no sane value is longer)",
    ("engine/quality/impact.py", 200): "input limit: length of a git revision name",
    ("engine/quality/import_check.py", 3): "depth of a field path",
}


def _literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_literal(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and _literal(k) for k in node.keys) and all(_literal(v) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        return _literal(node.operand)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in (
            "frozenset", "set", "tuple", "dict", "list"):
        return bool(node.args) and all(_literal(a) for a in node.args)
    return False


def _table(node: ast.AST) -> bool:
    """A non-empty container of literals (an empty default such as `x: list = []` is no table)."""
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return bool(node.elts) and _literal(node)
    if isinstance(node, ast.Dict):
        return bool(node.keys) and _literal(node)
    return isinstance(node, ast.Call) and _literal(node)


def _number(node: ast.AST):
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _number(node.operand)
        return -value if value is not None else None
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    return None


def _example_setter_lines(tree: ast.AST) -> set[int]:
    """Lines of example setters (`@DECLARED.setter(...)`): they build synthetic cases for the
    benchmark (values chosen on either side of a rule's threshold) and are never read when deciding."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and ast.unparse(d.func).endswith(".setter") for d in node.decorator_list):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def scan(path: Path, rel: str) -> list[str]:
    """Every literal table and clinical-looking number of one module not in the allowlists."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    bodies = [tree.body] + [n.body for n in tree.body if isinstance(n, ast.ClassDef)]
    for body in bodies:
        for node in body:
            if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
                continue
            target = ast.unparse(node.targets[0] if isinstance(node, ast.Assign) else node.target)
            if (rel, target) in TABLES:
                continue
            if _table(node.value):
                found.append(f"{rel}:{node.lineno}: literal table {target}")
            elif rel.startswith(ARITHMETIC_SCOPE) and _number(node.value) not in (None, 0, 1):
                found.append(f"{rel}:{node.lineno}: constant {target} = {_number(node.value)}")
    arithmetic = rel.startswith(ARITHMETIC_SCOPE)
    examples = _example_setter_lines(tree)
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in examples:
            continue
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
        elif isinstance(node, ast.BinOp) and arithmetic:
            operands = [node.left, node.right]
        else:
            continue
        for operand in operands:
            if isinstance(operand, ast.Call) and ast.unparse(operand.func).endswith("date") and operand.args:
                found.append(f"{rel}:{node.lineno}: date {ast.unparse(operand)} in {ast.unparse(node)}")
                continue
            value = _number(operand)
            if value is not None and value not in (0, 1) and (rel, value) not in NUMBERS:
                found.append(f"{rel}:{node.lineno}: number {value} in {ast.unparse(node)}")
    return found


def test_no_clinical_table_or_threshold_in_engine():
    found = []
    for path in sorted(ENGINE.rglob("*.py")):
        found += scan(path, path.relative_to(ROOT).as_posix())
    assert not found, ("clinical knowledge in engine/ (move it to rules/tables or a rule condition, or "
                       "allowlist a mechanism constant with its reason):\n" + "\n".join(found))


def test_every_allowlisted_entry_still_exists():
    """An allowlist entry that no longer matches anything is removed, so the list stays short and true."""
    seen_tables, seen_numbers = set(), set()
    for path in sorted(ENGINE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                seen_tables.add((rel, ast.unparse(target)))
            value = _number(node) if isinstance(node, (ast.Constant, ast.UnaryOp)) else None
            if value is not None:
                seen_numbers.add((rel, value))
    assert not set(TABLES) - seen_tables
    assert not set(NUMBERS) - seen_numbers


@pytest.mark.parametrize("source, expected", [
    ("ALLOWED = {'myalgia': 10, 'crps': 24}\n", "literal table ALLOWED"),
    ("class Limits:\n    AGES = (65, 75)\n", "literal table AGES"),
    ("def f(age):\n    return age > 65\n", "number 65"),
    ("def f(course):\n    return course / 2\n", "number 2"),
    ("HOURS_PER_DAY = 8\n", "constant HOURS_PER_DAY = 8"),
    ("import datetime as dt\ndef f(day):\n    return day >= dt.date(2004, 1, 1)\n", "date dt.date(2004, 1, 1)"),
    ("@DECLARED.lever('x')\ndef f(ctx):\n    return ctx.visits > 10\n", "number 10"),
])
def test_the_scan_catches_a_planted_offender(source, expected, tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text(source)
    found = scan(planted, "engine/knowledge/facts/planted.py")
    assert any(expected in line for line in found), found
