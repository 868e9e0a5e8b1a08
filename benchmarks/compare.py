"""ExoDesk against the raw-sqlite3 baseline, on the same generated data, in one run.

    python benchmarks/compare.py                 # 10,000 lots, 100,000 treatments
    python benchmarks/compare.py --large         # 100,000 lots, 1,000,000 treatments
    python benchmarks/compare.py --lots 1000 --treatments 10000   # a quick run
    # options: --seed N  --today YYYY-MM-DD  --keep DIR  --exodesk "COMMAND"

Generates an interchange file with generate.py, then runs every step as its own process, as a
user would: the real `exodesk` command on a fresh database, and benchmarks/raw_baseline.py on
its own fresh file. For each step it measures the wall-clock seconds (process start-up
included) and the process's peak resident memory (os.wait4's ru_maxrss for that very child),
checks that check/stock/trace/export printed byte-identical answers, and prints the table of
issue 15 in Markdown. Any difference between the two programs' answers is printed and makes the
exit status 1; so does a failed step. Standard library only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RAW = HERE / "raw_baseline.py"


@dataclass
class Run:
    seconds: float
    peak_bytes: int
    code: int
    stdout: Path
    stderr: Path


def exodesk_command(given: str | None) -> list[str]:
    if given:
        return shlex.split(given)
    for script in (Path(sys.executable).parent / "exodesk", REPO / ".venv" / "bin" / "exodesk"):
        if script.is_file() and os.access(script, os.X_OK):
            return [str(script)]
    return [sys.executable, "-m", "exodesk"]


def _high_water(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), 0 if it cannot be read."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def run(argv: list[str], env: dict[str, str], out: Path) -> Run:
    """Run one process to its end; its seconds, its own peak memory and its exit status.

    The peak is the child's VmHWM, read from /proc every 10 ms until it ends (its memory
    after exec, not counting this process's). ru_maxrss of the child is no good here: Linux
    carries the parent's high-water mark over a vfork and exec into it. Without /proc, it is
    what is left."""
    stdout, stderr = out.with_suffix(".stdout"), out.with_suffix(".stderr")
    with stdout.open("wb") as o, stderr.open("wb") as e:
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=o, stderr=e, env=env, cwd=REPO)
        peak = 0
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, _high_water(child.pid))
            time.sleep(0.01)
        seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return Run(seconds, peak or usage.ru_maxrss * 1024, child.returncode, stdout, stderr)


def db_size(path: Path) -> int:
    """The database's bytes: the file and, if any is left, its write-ahead log."""
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


BUSIEST = """
import collections, json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    treatments = json.load(f)["treatments"]
counts = collections.Counter((t["product"], t["lot"]) for t in treatments)
print(json.dumps(list(counts.most_common(1)[0][0])))
"""


def busiest_lot(data_file: Path) -> tuple[str, str]:
    """The lot with the most treatments (worked out in a child: this process stays small)."""
    done = subprocess.run(
        [sys.executable, "-c", BUSIEST, str(data_file)], capture_output=True, text=True, check=True
    )
    product, lot = json.loads(done.stdout)
    return product, lot


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def size(value: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= scale:
            return (
                f"{value / scale:.3g} {unit}"
                if value < 100 * scale
                else f"{value / scale:.0f} {unit}"
            )
    return f"{value:.0f} B"


def difference(name: str, ours: Path, raw: Path) -> str | None:
    """None when the two files are byte-identical, else what differs (the first lines)."""
    a, b = ours.read_bytes(), raw.read_bytes()
    if a == b:
        return None
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    line = a[:at].count(b"\n") + 1
    lo = max(0, line - 4)
    diff = difflib.unified_diff(
        a.decode("utf-8", "replace").splitlines()[lo : line + 6],
        b.decode("utf-8", "replace").splitlines()[lo : line + 6],
        f"exodesk {name} (from line {lo + 1})",
        f"raw {name} (from line {lo + 1})",
        lineterm="",
    )
    return (
        f"{name}: DIFFERENT ({len(a):,} vs {len(b):,} bytes, first difference at byte {at:,}, "
        f"line {line})\n" + "\n".join(diff)
    )


def compare(args: argparse.Namespace, work: Path) -> int:
    exodesk = exodesk_command(args.exodesk)
    raw = [sys.executable, str(RAW)]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for name in ("EXODESK_DB", "EXODESK_USER", "EXODESK_PASSWORD"):
        env.pop(name, None)
    today = args.today.isoformat()
    data, ex_db, raw_db = work / "clinic.json", work / "exodesk.sqlite", work / "raw.sqlite"
    for old in work.glob("*.sqlite*"):
        old.unlink()
    print(f"generating {args.lots:,} lots, {args.treatments:,} treatments ...", file=sys.stderr)
    gen = run(
        [
            sys.executable,
            str(HERE / "generate.py"),
            "--lots",
            str(args.lots),
            "--treatments",
            str(args.treatments),
            "--seed",
            str(args.seed),
            "--today",
            today,
            "--out",
            str(data),
        ],
        env,
        work / "generate",
    )
    if gen.code != 0:
        print(gen.stderr.read_text(), file=sys.stderr)
        return 1
    product, lot = busiest_lot(data)

    steps: list[tuple[str, list[str] | None, list[str] | None, str | None]] = [
        ("import", ["import", str(data)], ["import", str(data)], None),
        ("import again, nothing new", ["import", str(data)], ["import", str(data)], None),
        (
            "check",
            ["check", "--today", today, "--json"],
            ["check", "--today", today, "--json"],
            "stdout",
        ),
        (
            "stock",
            ["stock", "--today", today, "--json"],
            ["stock", "--today", today, "--json"],
            "stdout",
        ),
        (
            "trace (one lot)",
            ["trace", product, lot, "--json"],
            ["trace", product, lot, "--json"],
            "stdout",
        ),
        (
            "export",
            ["export", str(work / "exodesk-export.json")],
            ["export", str(work / "raw-export.json")],
            "export",
        ),
        ("`--help`", ["--help"], None, None),
    ]
    rows: list[tuple[str, str, str, str, str, str]] = []
    problems: list[str] = []
    ex_size = raw_size = 0
    export_note = ""
    for i, (name, ex_words, raw_words, answer) in enumerate(steps):
        print(f"  {name} ...", file=sys.stderr)
        slug = f"{i}-{name.split()[0].strip('`-')}"
        ex_argv = [*exodesk, *ex_words] + ([] if name == "`--help`" else ["--db", str(ex_db)])
        ours = run(ex_argv, env, work / f"{slug}-exodesk")
        theirs = (
            run([*raw, "--db", str(raw_db), *raw_words], env, work / f"{slug}-raw")
            if raw_words
            else None
        )
        for who, r in (("exodesk", ours), ("raw", theirs)):
            if r is not None and r.code != 0:
                tail = r.stderr.read_text(errors="replace").strip().splitlines()[-3:]
                problems.append(f"{name}: {who} exited {r.code}: " + " | ".join(tail))
        if answer and theirs is not None and ours.code == 0 and theirs.code == 0:
            a, b = (
                (ours.stdout, theirs.stdout)
                if answer == "stdout"
                else (work / "exodesk-export.json", work / "raw-export.json")
            )
            found = difference(name, a, b)
            if found:
                problems.append(found)
        like_for_like = theirs is not None and name != "import again, nothing new"
        rows.append(
            (
                name,
                seconds(ours.seconds),
                seconds(theirs.seconds) + ("*" if not like_for_like else "") if theirs else "—",
                f"{ours.seconds / theirs.seconds:.1f}×" if theirs and like_for_like else "—",
                size(ours.peak_bytes),
                size(theirs.peak_bytes) if theirs else "",
            )
        )
        if name == "export":
            ex_size, raw_size = db_size(ex_db), db_size(raw_db)
            export_note = (
                f"export files: {size((work / 'exodesk-export.json').stat().st_size)}"
                if (work / "exodesk-export.json").exists()
                else ""
            )
    rows.insert(
        len(rows) - 1,
        (
            "database file",
            size(ex_size),
            size(raw_size),
            f"{ex_size / raw_size:.1f}×" if raw_size else "—",
            "",
            "",
        ),
    )

    print(
        f"\nExoDesk against raw sqlite3: {args.lots:,} lots, {args.treatments:,} treatments "
        f"(seed {args.seed}, today {today}, {os.cpu_count()} cores; "
        f"trace: lot {lot} of {product})\n"
    )
    print("| step | ExoDesk | raw sqlite3 | ratio | ExoDesk peak memory | raw peak memory |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(
        "\n\\* the baseline skips records whose key is already stored without comparing them "
        "field by field, so this is not a like-for-like ratio."
    )
    if export_note:
        print(f"{export_note}; check, stock, trace and export answers compared byte for byte.")
    if problems:
        print("\nPROBLEMS:")
        for p in problems:
            print(p)
        return 1
    print("All answers (check, stock, trace, export) are byte-identical.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--lots", type=int)
    parser.add_argument("--treatments", type=int)
    parser.add_argument("--large", action="store_true", help="100,000 lots, 1,000,000 treatments")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the files")
    parser.add_argument("--exodesk", help="command that runs exodesk (default: found)")
    args = parser.parse_args(argv)
    default_lots, default_treatments = (100_000, 1_000_000) if args.large else (10_000, 100_000)
    args.lots = args.lots or default_lots
    args.treatments = args.treatments if args.treatments is not None else default_treatments
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        return compare(args, args.keep)
    with tempfile.TemporaryDirectory(prefix="exodesk-compare-") as work:
        return compare(args, Path(work))


if __name__ == "__main__":
    sys.exit(main())
