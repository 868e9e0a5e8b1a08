"""Nothing from the data reaches the terminal as a control: every character a terminal could
act on (C0 controls but tab and newline, DEL, C1 controls such as the 8-bit CSI, and the
bidirectional overrides that reorder what is shown) is written as a visible `\\uXXXX`.
Inside JSON that is the same string, so `--json` output and `export -` stay exact data."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe(text: str) -> str:
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class SafeText:
    """A text stream that writes `safe(text)` to the stream it wraps."""

    def __init__(self, target: TextIO) -> None:
        self._target = target

    def write(self, text: str) -> int:
        self._target.write(safe(text))
        return len(text)

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> object:  # flush, fileno, isatty, encoding, …
        return getattr(self._target, name)


@contextmanager
def safe_output() -> Iterator[None]:
    """While the block runs, stdout and stderr pass no control characters on."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeText(out), SafeText(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
