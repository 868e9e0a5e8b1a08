"""Time how long the `exodesk` command line takes to start, as a whole process.

    python benchmarks/startup.py [--runs 15] [--exodesk COMMAND] [--keep DIR]

Runs `exodesk --help`, `exodesk --version` and `exodesk check --db DB` (DB: a small demo
database made first with `exodesk demo`, not timed) each `--runs` times as subprocesses, and
a baseline `python -c pass` in the same run; prints the median wall time of each, and its
ratio to the baseline. Exit status 1 if any command failed. Standard library only.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def exodesk_command(given: str | None) -> list[str]:
    """How to run exodesk: --exodesk if given, else the script next to this Python or in the
    repository's .venv, else `python -m exodesk`."""
    if given:
        return shlex.split(given)
    for script in (Path(sys.executable).parent / "exodesk", REPO / ".venv" / "bin" / "exodesk"):
        if script.is_file() and os.access(script, os.X_OK):
            return [str(script)]
    return [sys.executable, "-m", "exodesk"]


def once(argv: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=REPO)
    seconds = time.perf_counter() - started
    return seconds, done.returncode, done.stderr.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (default 15)")
    parser.add_argument("--exodesk", help='how to run exodesk (default: the venv\'s "exodesk")')
    parser.add_argument("--keep", type=Path, help="make the demo database in this folder")
    args = parser.parse_args()
    exodesk = exodesk_command(args.exodesk)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="exodesk-startup-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "demo.sqlite"
    env = {**os.environ, "XDG_DATA_HOME": str(folder), "EXODESK_USER": "bench"}
    env.pop("EXODESK_DB", None)
    if not db.exists():
        made = subprocess.run(
            [*exodesk, "demo", "--db", str(db)], capture_output=True, text=True, env=env
        )
        if made.returncode != 0:
            print(f"exodesk demo failed: {made.stderr.strip()}", file=sys.stderr)
            return 1
    steps = {
        "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        "exodesk --help": [*exodesk, "--help"],
        "exodesk --version": [*exodesk, "--version"],
        "exodesk check --db DB": [*exodesk, "check", "--db", str(db)],
    }
    times: dict[str, list[float]] = {name: [] for name in steps}
    failed = False
    for _ in range(args.runs):  # interleaved, so a busy moment hits every step alike
        for name, argv in steps.items():
            seconds, code, err = once(argv, env)
            if code != 0:
                print(f"{name}: exit {code}: {(err.splitlines() or [''])[-1]}", file=sys.stderr)
                failed = True
            times[name].append(seconds)
    baseline = statistics.median(times["python -c pass (baseline)"])
    print(f"{args.runs} runs each; {' '.join(exodesk)}")
    print(f"{'step':<28}  {'median s':>8}  {'min s':>7}  {'x baseline':>10}")
    print(f"{'-' * 28}  {'-' * 8}  {'-' * 7}  {'-' * 10}")
    for name, runs in times.items():
        median = statistics.median(runs)
        print(f"{name:<28}  {median:8.3f}  {min(runs):7.3f}  {median / baseline:10.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
