"""Run by test_kill_and_concurrency.py in a child process (not a test itself): runs one real
`exodesk` command and kills itself with SIGKILL when a chosen SQLAlchemy event has been
reached a chosen number of times, so a kill lands at the same point of the work however
fast or busy the machine is.

    python tests/faults/kill_driver.py POINT:N COMMAND...   # SIGKILL at the N-th POINT
    python tests/faults/kill_driver.py count COMMAND...     # run it all, then print counts

POINT is one of
    statement  before the N-th SQL statement is sent to SQLite (BEGIN and COMMIT included)
    flush      after the N-th session flush, its rows written but not committed
    commit     just before the N-th session commit
    committed  just after the N-th session commit, before the process closes anything
    call       `call:MODULE.FUNCTION:N`: just before the N-th call of that function (for
               work that is file moves rather than SQL, such as restore)

With `count` the command runs to its end and the last line on stdout is a JSON object of
how many times each point was reached.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
from collections import Counter
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from exodesk.cli import main

POINTS = ("statement", "flush", "commit", "committed")


def watch(kill_at: tuple[str, int] | None) -> Counter[str]:
    reached: Counter[str] = Counter()

    def reach(point: str) -> None:
        reached[point] += 1
        if kill_at == (point, reached[point]):
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    # Listening on the classes reaches every engine and session the command makes.
    def on_statement(*_: Any) -> None:
        reach("statement")

    def on_flush(*_: Any) -> None:
        reach("flush")

    def on_commit(*_: Any) -> None:
        reach("commit")

    def on_committed(*_: Any) -> None:
        reach("committed")

    event.listen(Engine, "before_cursor_execute", on_statement)
    event.listen(Session, "after_flush", on_flush)
    event.listen(Session, "before_commit", on_commit)
    event.listen(Session, "after_commit", on_committed)
    return reached


def kill_before_call(target: str, n: int) -> None:
    """Replace MODULE.FUNCTION with a wrapper that SIGKILLs this process before its N-th call."""
    module_name, _, function_name = target.rpartition(".")
    module = importlib.import_module(module_name)
    original = getattr(module, function_name)
    calls = Counter[str]()

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls[target] += 1
        if calls[target] == n:
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    setattr(module, function_name, wrapper)


def parse_point(text: str) -> tuple[str, int] | None:
    if text == "count":
        return None
    if text.startswith("call:"):
        target, _, n = text[len("call:") :].rpartition(":")
        if not target or not n.isdigit() or int(n) < 1:
            raise SystemExit(f"kill_driver: bad kill point {text!r}")
        kill_before_call(target, int(n))
        return "call", int(n)
    point, _, n = text.partition(":")
    if point not in POINTS or not n.isdigit() or int(n) < 1:
        raise SystemExit(f"kill_driver: bad kill point {text!r}")
    return point, int(n)


def run(argv: list[str]) -> int:
    if len(argv) < 3:
        raise SystemExit(__doc__)
    kill_at = parse_point(argv[1])
    reached = watch(kill_at)
    code = main(argv[2:])
    if kill_at is None:
        print(json.dumps(dict(reached)), flush=True)
        return code
    print(f"kill_driver: {kill_at} never reached; reached {dict(reached)}", file=sys.stderr)
    return 99  # the kill point was never reached: the test asked for the wrong one


if __name__ == "__main__":
    sys.exit(run(sys.argv))
