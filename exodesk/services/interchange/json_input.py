"""Reading untrusted JSON: a hostile file is refused with short plain messages naming their
JSON path, never with a RecursionError, a digit-limit ValueError or a silently dropped key.

`load_json` bounds nesting depth (counted on the raw text before parsing, so the parser never
recurses deeply), the digits of a number, and refuses duplicate keys, NaN/Infinity, lone
surrogates and control characters in any key or string. `shown` is the one way a message
echoes a value: escaped (no control character reaches a terminal) and cut to a few dozen
characters."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

from exodesk.services.errors import InvalidInput, Problem

FILE = "(file)"  # the field of a problem with the file as a whole
MAX_DEPTH = 64  # nested lists/objects; a valid file needs 4
MAX_NUMBER_CHARS = 40  # the characters of one number; a quantity needs at most 8
MAX_PROBLEMS = 200  # problems found while reading; the rest are summed up in one line
SHOWN_CHARS = 60  # an echoed value longer than this is cut, with "…"

_STRING_BYTES = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_STRING_TEXT = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_DELTA = [0] * 256
_DELTA[ord("[")] = _DELTA[ord("{")] = 1
_DELTA[ord("]")] = _DELTA[ord("}")] = -1
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class _Refused(Exception):
    """Raised by a parser hook: the file is refused as a whole."""


class _HugeNumber:
    """Stands in for a number with too many digits, so its path can be named afterwards."""

    def __init__(self, digits: int) -> None:
        self.digits = digits


class _Object(dict[str, Any]):
    """A JSON object that remembers the keys given more than once."""

    duplicates: list[str]


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNSHOWABLE = re.compile(f"{_CONTROL.pattern}|{_SURROGATE.pattern}")


def has_unshowable(text: str) -> bool:
    """Whether `text` holds a character `control_problem` may refuse."""
    return _UNSHOWABLE.search(text) is not None


def control_problem(text: str) -> str | None:
    """Why `text` cannot be stored or shown (a lone surrogate; a C0/C1 control, line or
    bidi-override character a terminal may act on), or None."""
    if _UNSHOWABLE.search(text) is None:  # the common case, in one search
        return None
    found = _SURROGATE.search(text)
    if found:
        return f"contains a lone surrogate (\\u{ord(found.group()):04x}), which is not valid text"
    found = _CONTROL.search(text)
    if found:
        return f"contains a control character (\\u{ord(found.group()):04x}), which is not allowed"
    return None


def shown(value: Any) -> str:
    """`value` as a message echoes it: JSON, every control escaped, at most SHOWN_CHARS."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    if len(text) > 4 * SHOWN_CHARS:
        text = text[: 4 * SHOWN_CHARS]
    text = _UNSHOWABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def path_part(key: str) -> str:
    """A key as a JSON path shows it: escaped and cut like any echoed value."""
    if key.isidentifier() and len(key) <= SHOWN_CHARS:
        return key
    return shown(key)


def max_depth(raw: bytes | str) -> int:
    """The deepest nesting of lists and objects in `raw`, brackets inside strings not
    counted; linear and without recursion."""
    if isinstance(raw, str):
        raw = _STRING_TEXT.sub("", raw).encode("utf-8", "surrogatepass")
    else:
        raw = _STRING_BYTES.sub(b"", raw)
    brackets = raw.translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_DELTA.__getitem__, brackets)), default=0)


def _parse_int(text: str) -> int | _HugeNumber:
    if len(text) > MAX_NUMBER_CHARS:
        return _HugeNumber(len(text.lstrip("-")))
    return int(text)


def _parse_float(text: str) -> float | _HugeNumber:
    if len(text) > MAX_NUMBER_CHARS:
        return _HugeNumber(len(text))
    return float(text)


def _parse_constant(name: str) -> Any:
    raise _Refused(f"not JSON: {name} is not a JSON number")


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object()
    obj.duplicates = []
    for key, value in pairs:
        if key in obj and key not in obj.duplicates:
            obj.duplicates.append(key)
        obj[key] = value
    return obj


def load_json(raw: bytes | str) -> Any:
    """Parse untrusted JSON; raise InvalidInput (plain messages, JSON paths) for anything
    hostile. Returns plain dicts, lists, strings, ints, floats, bools and None."""
    depth = max_depth(raw)
    if depth > MAX_DEPTH:
        raise InvalidInput(
            [Problem(FILE, f"nested too deeply ({depth} levels; at most {MAX_DEPTH})")]
        )
    try:
        data = json.loads(
            raw,
            object_pairs_hook=_object,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except UnicodeDecodeError as exc:
        raise InvalidInput([Problem(FILE, f"not UTF-8 text ({exc.reason})")]) from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            [Problem(FILE, f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]
        ) from None
    except _Refused as exc:
        raise InvalidInput([Problem(FILE, str(exc))]) from None
    except (RecursionError, ValueError, MemoryError) as exc:
        raise InvalidInput([Problem(FILE, f"not JSON ({type(exc).__name__})")]) from None
    return _checked(data)


def _join(path: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    key = path_part(part)
    return f"{path}.{key}" if path else key


def _checked(data: Any) -> Any:
    """Walk the parsed tree (iteratively): name each hostile value by its path, and rebuild
    plain dicts. Raise InvalidInput if anything was found."""
    problems: list[Problem] = []
    more = 0

    def problem(path: str, message: str) -> None:
        nonlocal more
        if len(problems) < MAX_PROBLEMS:
            problems.append(Problem(path or FILE, message))
        else:
            more += 1

    def check(path: str, value: Any) -> Any:
        if isinstance(value, _HugeNumber):
            problem(path, f"a number of {value.digits} characters is far too large")
        elif isinstance(value, str):
            why = control_problem(value)
            if why:
                problem(path, why)
        return value

    root: list[Any] = [check("", data)]
    stack: list[tuple[Any, str, Any, str | int]] = [(data, "", root, 0)]
    while stack:
        node, path, parent, slot = stack.pop()
        if isinstance(node, _Object):
            for key in node.duplicates:
                problem(_join(path, key), f"the key {shown(key)} is given more than once")
            plain: dict[str, Any] = {}
            for key, value in node.items():
                why = control_problem(key)
                if why:
                    problem(path or FILE, f"a key {why}: {shown(key)}")
                child = _join(path, key)
                plain[key] = check(child, value)
                if isinstance(value, (dict, list)):
                    stack.append((value, child, plain, key))
            parent[slot] = plain
        elif isinstance(node, list):
            for i, value in enumerate(node):
                child = _join(path, i)
                check(child, value)
                if isinstance(value, (dict, list)):
                    stack.append((value, child, node, i))
    if problems:
        if more:
            problems.append(Problem(FILE, f"... and {more} more problems of this kind"))
        raise InvalidInput(problems)
    return root[0]


class NotPlain(Exception):
    """A file the streamed reading does not take as plainly valid: read it whole instead
    (`load_json`), which names every problem exactly."""


_WS = re.compile(r"[ \t\n\r]*")
# What, in the raw text of a value, may decode to a character _UNSHOWABLE finds: an escape, or
# such a character written as it is (raw tab, newline and return are not JSON inside strings)
_MAYBE_UNSHOWABLE = re.compile(
    "[\\\\\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _plain_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _Refused("a key given more than once")
    return obj


def _plain_number(text: str) -> Any:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused("a number far too large")
    return float(text) if any(c in text for c in ".eE") else int(text)


_PLAIN_DECODER = json.JSONDecoder(
    object_pairs_hook=_plain_object,
    parse_int=_plain_number,
    parse_float=_plain_number,
    parse_constant=_parse_constant,
)


def _is_plain(value: Any) -> bool:
    """No control character or lone surrogate in any key or string."""
    if isinstance(value, str):
        return _UNSHOWABLE.search(value) is None
    if isinstance(value, dict):
        return all(_UNSHOWABLE.search(k) is None and _is_plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_plain(v) for v in value)
    return True


def stream_members(text: str) -> Iterator[tuple[str, int | None, Any]]:
    """The members of the top-level object of `text` in order, a list member one element at a
    time: (key, index in the list, element), or (key, None, value) for a value that is not a
    list (and (key, None, []) for an empty list). Raises NotPlain for anything `load_json`
    would refuse (or might word differently), so a caller falls back to it."""
    decode = _PLAIN_DECODER.raw_decode
    maybe = _MAYBE_UNSHOWABLE.search
    space = _WS.match

    def ws(text: str, i: int) -> int:
        found = space(text, i)
        return found.end() if found else i

    seen: set[str] = set()

    def value_at(i: int) -> tuple[Any, int]:
        try:
            value, end = decode(text, i)
        except Exception:  # any refusal: load_json words it
            raise NotPlain from None
        if maybe(text, i, end) is not None and not _is_plain(value):
            raise NotPlain
        return value, end

    i = ws(text, 0)
    if text[i : i + 1] != "{":
        raise NotPlain
    i = ws(text, i + 1)
    if text[i : i + 1] == "}":
        i += 1
    else:
        while True:
            if text[i : i + 1] != '"':
                raise NotPlain
            key, i = value_at(i)
            if not isinstance(key, str) or key in seen:
                raise NotPlain
            seen.add(key)
            i = ws(text, i)
            if text[i : i + 1] != ":":
                raise NotPlain
            i = ws(text, i + 1)
            if text[i : i + 1] == "[":
                i = ws(text, i + 1)
                if text[i : i + 1] == "]":
                    yield key, None, []
                    i += 1
                else:
                    n = 0
                    while True:
                        value, i = value_at(i)
                        yield key, n, value
                        n += 1
                        i = ws(text, i)
                        if text[i : i + 1] == ",":
                            i = ws(text, i + 1)
                        elif text[i : i + 1] == "]":
                            i += 1
                            break
                        else:
                            raise NotPlain
            else:
                value, i = value_at(i)
                yield key, None, value
            i = ws(text, i)
            if text[i : i + 1] == ",":
                i = ws(text, i + 1)
            elif text[i : i + 1] == "}":
                i += 1
                break
            else:
                raise NotPlain
    if ws(text, i) != len(text):
        raise NotPlain
