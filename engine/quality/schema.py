"""JSON Schemas for the files people write (rules, tables, case files, vocabulary, pack.yaml, editions.yaml), generated
from the pydantic models that validate them, so an editor (yaml-language-server) can check a file
as one types. `ur schema` writes them to schema/ and links every YAML file to its schema with a
`# yaml-language-server: $schema=...` first line; `ur schema --check` says whether they are
up to date (tests/test_schema.py runs it).

A file of small named cases merges each case over a `base`, so its entries are partial cases: the
schema checks their field names and types, accepts `null` (which removes a base value) and leaves
required fields to `ur validate`.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

DRAFT = "https://json-schema.org/draft/2020-12/schema"
MODELINE = "# yaml-language-server: $schema="


def rule_schema() -> dict:
    from engine.knowledge.rules import Rule

    return _titled(Rule.model_json_schema(by_alias=True), "UR rule file",
                   "One guideline topic: where it applies, its criteria as conditions on case facts, its citation.")


def table_schema() -> dict:
    from engine.knowledge.tables import Table

    return _titled(Table.model_json_schema(by_alias=True), "UR table file",
                   "One guideline number, list or mapping a derived fact reads, with its citation; the type of "
                   "`value` is checked against what its readers declare when the pack loads.")


def vocabulary_schema() -> dict:
    from engine.intake.vocabulary import VocabularyFile

    return _titled(VocabularyFile.model_json_schema(by_alias=True), "UR vocabulary file",
                   "Drug and service names as providers write them, mapped to canonical terms.")


def pack_schema() -> dict:
    from engine.knowledge.rules import PackInfo

    return _titled(PackInfo.model_json_schema(by_alias=True), "UR rule pack (pack.yaml)",
                   "The rule pack's name and version.")


def editions_schema() -> dict:
    from engine.knowledge.editions import EditionsFile

    return _titled(EditionsFile.model_json_schema(by_alias=True), "UR guideline editions (editions.yaml)",
                   "Each guideline's editions: dates, the date each is keyed to, sources, and definitions by edition.")


def case_schema() -> dict:
    """One case, or a file of named cases merged over a `base` (chosen by the `cases` key)."""
    from engine.intake.cases import Case

    case = Case.model_json_schema(by_alias=True)
    defs = case.pop("$defs", {})
    entry = _partial(copy.deepcopy(case))
    entry["properties"]["name"] = {"type": "string", "description": "The case's name (ids in `ur test`)."}
    entry["title"] = "CaseEntry"
    all_defs = {**defs, **{f"{name}Entry": _partial(copy.deepcopy(d)) for name, d in defs.items()},
                "Case": case, "CaseEntry": entry}
    case_file = {
        "type": "object", "additionalProperties": False, "required": ["cases"],
        "properties": {
            "rule": {"type": "string", "description": "The rule these cases exercise."},
            "description": {"type": "string"},
            "base": {"$ref": "#/$defs/CaseEntry"},
            "cases": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/CaseEntry"}},
        },
    }
    return {"$schema": DRAFT, "title": "UR case file",
            "description": "One case (the documented facts of one request), or `cases:` merged over a `base`.",
            "$defs": all_defs, "if": {"type": "object", "required": ["cases"]}, "then": case_file,
            "else": {"$ref": "#/$defs/Case"}}


SCHEMAS: dict[str, Callable[[], dict]] = {
    "rule.schema.json": rule_schema,
    "table.schema.json": table_schema,
    "case.schema.json": case_schema,
    "vocabulary.schema.json": vocabulary_schema,
    "pack.schema.json": pack_schema,
    "editions.schema.json": editions_schema,
}


def _titled(schema: dict, title: str, description: str) -> dict:
    return {"$schema": DRAFT, **schema, "title": title, "description": description}


def _partial(node: Any) -> Any:
    """A schema node with no required fields, `null` accepted for every property and map value,
    and references pointing at the partial copies of definitions."""
    if isinstance(node, list):
        return [_partial(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _partial(v) for k, v in node.items() if k != "required"}
    if isinstance(out.get("$ref"), str):
        out["$ref"] += "Entry"
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: _nullable(v) for k, v in out["properties"].items()}
    if isinstance(out.get("additionalProperties"), dict):
        out["additionalProperties"] = _nullable(out["additionalProperties"])
    return out


def _nullable(node: dict) -> dict:
    return {"anyOf": [node, {"type": "null"}]}


def render(schema: dict) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


# --- shipping and linking ----------------------------------------------------------------------

def stale(folder: Path) -> list[str]:
    """Schema files in `folder` that are missing or differ from what the models generate now."""
    return [name for name, make in SCHEMAS.items()
            if not (folder / name).is_file() or (folder / name).read_text(encoding="utf-8") != render(make())]


def write(folder: Path) -> list[str]:
    """Write every schema file (atomically) that is missing or out of date; the names written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in stale(folder):
        _replace(folder / name, render(SCHEMAS[name]()))
        written.append(name)
    return written


def schema_for(path: Path, rules: Path) -> Optional[str]:
    """The schema file a YAML file is written against (None for a file no schema covers)."""
    try:
        parts = path.resolve().relative_to(rules.resolve()).parts
    except ValueError:
        return "case.schema.json"
    if parts == ("pack.yaml",):
        return "pack.schema.json"
    if parts == ("editions.yaml",):
        return "editions.schema.json"
    if parts[:1] == ("vocabulary",):
        return "vocabulary.schema.json"
    if parts[0] == "tables":
        return "table.schema.json"
    if len(parts) == 1:
        return None  # other pack files get a schema when their model is added to SCHEMAS
    return "rule.schema.json"


def yaml_files(folders: list[Path]) -> Iterator[Path]:
    for folder in folders:
        yield from sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def modeline(path: Path, schema_dir: Path, rules: Path) -> Optional[str]:
    """The `# yaml-language-server: $schema=<relative path>` line a YAML file should start with."""
    name = schema_for(path, rules)
    if name is None:
        return None
    return MODELINE + Path(os.path.relpath(schema_dir.resolve() / name, path.resolve().parent)).as_posix()


def unlinked(folders: list[Path], schema_dir: Path, rules: Path) -> list[Path]:
    """YAML files whose first line is not the modeline for their schema."""
    out = []
    for path in yaml_files(folders):
        line = modeline(path, schema_dir, rules)
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        if line is not None and first != line:
            out.append(path)
    return out


def link(folders: list[Path], schema_dir: Path, rules: Path) -> list[Path]:
    """Give every YAML file the modeline of its schema as its first line (replacing an older one)."""
    changed = []
    for path in unlinked(folders, schema_dir, rules):
        text = path.read_text(encoding="utf-8")
        if text.startswith(MODELINE):
            text = text.split("\n", 1)[1] if "\n" in text else ""
        _replace(path, f"{modeline(path, schema_dir, rules)}\n{text}")
        changed.append(path)
    return changed


def _replace(path: Path, text: str) -> None:
    """Write `text` to `path` through the one atomic writer (temporary file beside it, renamed over
    it when complete)."""
    from engine.intake.outputs import atomic_output

    with atomic_output(path, private=False) as out:
        out.write(text)
