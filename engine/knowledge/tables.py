"""Tables: the guideline numbers, lists and mappings that fact derivations read (visit allowances,
postsurgical courses, length-of-stay targets, operation groups, drug lists...), as cited YAML data
in rules/tables/<id>.yaml, so a threshold is changed in the rule pack, never in Python.

A table file holds one value (a number, a list or a mapping) with a title, a citation and a
`verified` tag like a criterion's. The fact catalog declares, for every table a derivation
reads, the type its value must have; the pack checks each declared table is present and its
value has that type (engine/knowledge/pack.py), so a derivation never meets a malformed value.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr, TypeAdapter, ValidationError

from engine.errors import EngineError
from engine.intake.sources import Document, read_document, validate
from engine.knowledge.rules import Citation, Id, Model, Verification

TableValue = Union[StrictInt, StrictFloat, list[Any], dict[StrictStr, Any]]


class Table(Model):
    id: Id
    title: StrictStr
    description: Annotated[str, Field(min_length=10)]
    citation: Citation
    verified: Verification
    value: TableValue
    notes: Optional[StrictStr] = None

    def source(self) -> str:
        """'table visit-allowances (MTUS CPMTG (2009), Physical medicine, p. 98-99; unverified)'."""
        return f"table {self.id} ({self.citation}; {self.verified})"


class LoadedTable(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    table: Table
    path: str
    sha256: str
    doc: Document


def load_table(path: str | Path) -> LoadedTable:
    """Read and validate one table file; its id must be its file name (one place to look)."""
    raw = Path(path).read_bytes() if Path(path).is_file() else b""
    doc = read_document(path)
    table = validate(Table, doc)
    if table.id != Path(path).stem:
        raise EngineError(f"table id '{table.id}' differs from its file name '{Path(path).name}'",
                          doc.location(("id",)))
    return LoadedTable(table=table, path=str(path), sha256=hashlib.sha256(raw).hexdigest(), doc=doc)


_ADAPTERS: dict[Any, TypeAdapter] = {}


def typed_value(loaded: LoadedTable, value_type: Any) -> Any:
    """The table's value as the declared type (tuples, sets, floats), or an error at its line."""
    adapter = _ADAPTERS.get(value_type)
    if adapter is None:
        adapter = _ADAPTERS[value_type] = TypeAdapter(value_type)
    try:
        return adapter.validate_python(loaded.table.value)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = ("value", *error["loc"])
        raise EngineError(f"table value does not fit what its readers expect ({_show_type(value_type)}): "
                          f"{error['msg']}", loaded.doc.location(loc)) from None


def _show_type(value_type: Any) -> str:
    text = getattr(value_type, "__name__", None) if not getattr(value_type, "__args__", None) else None
    shown = text or str(value_type)
    for long, short in (("typing.", ""), ("Annotated[float, Strict(strict=True)]", "number"),
                        ("Annotated[str, Strict(strict=True)]", "text"),
                        ("Annotated[bool, Strict(strict=True)]", "true/false")):
        shown = shown.replace(long, short)
    return shown


def table_files(root: str | Path) -> list[Path]:
    return sorted((Path(root) / "tables").glob("*.yaml"))
