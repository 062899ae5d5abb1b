"""The one user-facing error type: every bad input becomes `file:line: field: message`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where a problem sits in an input file (line is 1-based; 0 when unknown)."""

    file: str
    line: int = 0
    field: str = ""

    def __str__(self) -> str:
        text = self.file.translate(_LINE_BREAKS)
        if self.line:
            text += f":{self.line}"
        if self.field:
            text += f": {self.field.translate(_LINE_BREAKS)}"
        return text


# A file name or a key read from the input may hold line breaks; an error stays one line.
_LINE_BREAKS = str.maketrans({ch: ch.encode("unicode_escape").decode("ascii")
                              for ch in "\n\r\t\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


class EngineError(Exception):
    """Bad input (rule, case or command line) that the user must fix; never a bug."""

    def __init__(self, message: str, location: Location | None = None):
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        one_line = " ".join(self.message.split())
        return f"{self.location}: {one_line}" if self.location else one_line


class EngineFault(Exception):
    """An internal failure while evaluating one case (e.g. an engine action raised)."""
