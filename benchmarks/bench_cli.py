"""Time the real `exodesk` command line on a large generated clinic.

    python benchmarks/bench_cli.py [--lots 10000] [--treatments 100000] [--seed 1]
        [--today YYYY-MM-DD] [--keep DIR] [--exodesk COMMAND]

Generates an interchange file with benchmarks/generate.py into a temporary folder, then runs
each command in its own process, as a user would, and prints the seconds each took:
import, import again (nothing new), check, stock, trace (the busiest lot) and export.
Exit status 1 if any command failed. Standard library only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


@dataclass
class Step:
    name: str
    seconds: float
    code: int
    note: str


def exodesk_command(given: str | None) -> list[str]:
    """How to run exodesk: --exodesk if given, else the script next to this Python or in the
    repository's .venv, else `python -m exodesk`."""
    if given:
        return shlex.split(given)
    for script in (Path(sys.executable).parent / "exodesk", REPO / ".venv" / "bin" / "exodesk"):
        if script.is_file() and os.access(script, os.X_OK):
            return [str(script)]
    return [sys.executable, "-m", "exodesk"]


def run(name: str, argv: list[str], env: dict[str, str]) -> tuple[Step, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=REPO)
    seconds = time.perf_counter() - started
    note = ""
    if done.returncode != 0:
        tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-3:]
        note = "FAILED: " + " | ".join(tail)
    return Step(name, seconds, done.returncode, note), done.stdout


def json_rows(stdout: str) -> str:
    try:
        rows = json.loads(stdout)
    except json.JSONDecodeError:
        return "output is not JSON"
    return f"{len(rows)} rows" if isinstance(rows, list) else "output is not a JSON array"


def busiest_lot(data_file: Path) -> tuple[str, str]:
    with data_file.open(encoding="utf-8") as f:
        treatments = json.load(f)["treatments"]
    counts = Counter((t["product"], t["lot"]) for t in treatments)
    return counts.most_common(1)[0][0]


def bench(args: argparse.Namespace, work: Path) -> list[Step]:
    exodesk = exodesk_command(args.exodesk)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("EXODESK_DB", None)
    data, db, out = work / "clinic.json", work / "clinic.sqlite", work / "export.json"
    today = args.today.isoformat()
    steps: list[Step] = []

    step, _ = run(
        "generate",
        [
            sys.executable, str(HERE / "generate.py"), "--lots", str(args.lots),
            "--treatments", str(args.treatments), "--seed", str(args.seed),
            "--today", today, "--out", str(data),
        ],
        env,
    )  # fmt: skip
    if step.code == 0:
        step.note = f"{data.stat().st_size / 1e6:.1f} MB"
    steps.append(step)
    if step.code != 0:
        return steps

    def ex(name: str, *words: str) -> tuple[Step, str]:
        step, stdout = run(name, [*exodesk, *words, "--db", str(db)], env)
        steps.append(step)
        return step, stdout

    ex("import", "import", str(data))
    ex("import again (nothing new)", "import", str(data))
    step, stdout = ex("check --json", "check", "--today", today, "--json")
    if step.code == 0:
        step.note = json_rows(stdout) + " (flags)"
    step, stdout = ex("stock --json", "stock", "--today", today, "--json")
    if step.code == 0:
        step.note = json_rows(stdout) + " (lots on hand)"
    product, lot = busiest_lot(data)
    step, stdout = ex("trace --json", "trace", product, lot, "--json")
    if step.code == 0:
        step.note = json_rows(stdout) + f" (lot {lot})"
    step, _ = ex("export", "export", str(out))
    if step.code == 0 and out.exists():
        step.note = f"{out.stat().st_size / 1e6:.1f} MB"
    return steps


def print_table(steps: list[Step], args: argparse.Namespace) -> None:
    print(
        f"exodesk CLI benchmark: {args.lots:,} lots, {args.treatments:,} treatments "
        f"(seed {args.seed}, today {args.today.isoformat()})"
    )
    width = max(len(s.name) for s in steps)
    print(f"{'step':<{width}}  {'seconds':>8}  {'exit':>4}  note")
    print(f"{'-' * width}  {'-' * 8}  {'-' * 4}  {'-' * 30}")
    for s in steps:
        print(f"{s.name:<{width}}  {s.seconds:8.2f}  {s.code:>4}  {s.note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--lots", type=int, default=10_000)
    parser.add_argument("--treatments", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--today", type=dt.date.fromisoformat, default=dt.date.today(), help="YYYY-MM-DD"
    )
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the files")
    parser.add_argument("--exodesk", help="command that runs exodesk (default: found)")
    args = parser.parse_args(argv)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        for old in [*args.keep.glob("clinic.sqlite*"), args.keep / "export.json"]:
            old.unlink(missing_ok=True)  # a fresh database every run
        steps = bench(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="exodesk-bench-") as work:
            steps = bench(args, Path(work))
    print_table(steps, args)
    return 1 if any(s.code != 0 for s in steps) else 0


if __name__ == "__main__":
    sys.exit(main())
