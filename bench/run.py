"""Run every benchmark (bench/bench_*.py), each in a fresh process, one after another.

Usage: ``make bench`` or ``.venv/bin/python bench/run.py [NAME ...]`` where NAME picks
benchmarks by a part of their file name (``835``, ``837``). Benchmarks compare openrcm
with its peers in the same run and print ratios; nothing here asserts on time.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    wanted = [a for a in argv if not a.startswith("-")]
    scripts = sorted(HERE.glob("bench_*.py"))
    if wanted:
        scripts = [s for s in scripts if any(w in s.stem for w in wanted)]
    if not scripts:
        print("no benchmark matches", wanted or "(none written yet)")
        return 0 if not wanted else 2
    failed = []
    for script in scripts:
        print(f"\n=== {script.stem} " + "=" * max(0, 70 - len(script.stem)), flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], check=False)
        print(f"--- {script.stem}: exit {result.returncode}, {time.perf_counter() - started:.1f} s")
        if result.returncode != 0:
            failed.append(script.stem)
    if failed:
        print("benchmarks that failed to run:", ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
