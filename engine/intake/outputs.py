"""The one way outputs are written: a file is replaced only when complete (temporary file beside
it, renamed on success), a log gets whole lines only, and an output that is also an input is
refused whatever its spelling (links, `..`, hard links). Write failures are one-line errors."""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Iterable, Iterator

from engine.errors import EngineError, Location


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when two paths name the same file, whatever the spelling (links, `..`, hard links)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def refuse_input_as_output(output: str | Path, inputs: Iterable[str | Path], option: str) -> None:
    """An output that is one of the inputs would destroy it: a one-line error instead."""
    for source in inputs:
        if str(source) != "-" and same_file(output, source):
            raise EngineError(f"is also an input ({source}); write the output elsewhere", Location(str(output), 0, option))


class _Output:
    """A text stream whose write failures (full disk, closed device) become one-line errors."""

    def __init__(self, stream: IO[str], name: str):
        self._stream = stream
        self._name = name

    def write(self, text: str) -> None:
        try:
            self._stream.write(text)
        except OSError as exc:
            raise write_error(self._name, exc) from None


def write_error(name: str, exc: OSError) -> EngineError:
    return EngineError(f"cannot write: {exc.strerror or exc}", Location(name))


@contextmanager
def atomic_output(path: str | Path, inputs: Iterable[str | Path] = (), option: str = "",
                  private: bool = True) -> Iterator[_Output]:
    """Write a text file through a temporary file beside it, renamed over it only when everything
    was written and flushed: a failure (bad rules, full disk, a crash) leaves the previous file as
    it was. A device or pipe (/dev/null, /dev/stdout) is written directly. A replaced file keeps
    its permissions; a new one is readable by its owner only (outputs hold case data) unless
    `private` is false (then the usual permissions, as the umask allows)."""
    name = str(path)
    refuse_input_as_output(path, inputs, option)
    target = Path(os.path.realpath(path))
    if target.exists() and not target.is_file():
        try:
            stream = open(target, "w", encoding="utf-8")
        except OSError as exc:
            raise write_error(name, exc) from None
        try:
            yield _Output(stream, name)
            _finish(stream, name)
        finally:
            _close_quietly(stream)
        return
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise write_error(name, exc) from None
    stream = os.fdopen(fd, "w", encoding="utf-8")
    try:
        yield _Output(stream, name)
        _finish(stream, name, sync=True)
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        elif not private:
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, target)
    except BaseException:
        _close_quietly(stream)
        with suppress(OSError):
            os.unlink(tmp)
        raise


def _finish(stream: IO[str], name: str, sync: bool = False) -> None:
    try:
        stream.flush()
        if sync:
            os.fsync(stream.fileno())
        stream.close()
    except OSError as exc:
        raise write_error(name, exc) from None


def _close_quietly(stream: IO[str]) -> None:
    with suppress(OSError):
        stream.close()


def append_line(path: str | Path, line: str, inputs: Iterable[str | Path] = (), option: str = "") -> None:
    """Append one line to a log in a single write; if it fails (full disk) the log is cut back to
    its previous length, so it never ends with half a line. A new log is readable by its owner only."""
    name = str(path)
    refuse_input_as_output(path, inputs, option)
    data = (line.rstrip("\n") + "\n").encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as exc:
        raise write_error(name, exc) from None
    try:
        size = os.fstat(fd).st_size
        try:
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        except OSError as exc:
            with suppress(OSError):
                os.ftruncate(fd, size)
            raise write_error(name, exc) from None
    finally:
        os.close(fd)
