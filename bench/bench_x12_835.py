"""Benchmark: openrcm's 835 reader against the Python peers and two baselines.

Run alone (``python bench/bench_x12_835.py``) or through ``bench/run.py``. It builds a
synthetic 835 (≥ 50 MB, every claim balanced, fictional names) under var/bench/, then
times each reader in a fresh process and prints MB/s, the child's peak memory
(ru_maxrss) and our ratio to each. Peers run in their own virtualenv, bench/.peers/,
created from bench/peers-requirements.txt when missing, through this same script
(``peer NAME FILE``), which imports the peer's modules before starting its clock, as
our reader is timed after ``import openrcm.x12``. Slow peers are timed on a slice of the
same file (same claims, fewer of them) and normalised to MB/s. Ratios use each child's
CPU time (the machine may be busy with other work); wall-clock MB/s is printed beside
them. Targets are printed PASS/FAIL; nothing asserts on time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = ROOT / "var" / "bench"
PEERS = HERE / ".peers"
PEER_PY = PEERS / "bin" / "python"
MAIN_MB = int(os.environ.get("BENCH_835_MB", "50"))
STREAM_MB = int(os.environ.get("BENCH_835_STREAM_MB", "200"))
# Peers that would take minutes on the full file read a slice of it (MB).
SLICE_MB = {
    "edi-835-parser": 10,
    "tigershark": 5,
    "badx12": 5,
    "linuxforhealth-x12": 2,
    "pyx12.x12context": 1,
}

sys.path.insert(0, str(HERE))
from _synthetic835 import build_835  # noqa: E402 - bench helper beside this file


def run_child(argv: list[str]) -> dict[str, object]:
    """Run a child; return its JSON line plus its own peak RSS in MB (wait4 rusage)."""
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stderr is not None
    _, status, usage = os.wait4(process.pid, 0)
    stdout, stderr = process.stdout.read(), process.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        return {"error": (stderr.strip().splitlines() or ["failed"])[-1][:200]}
    result: dict[str, object] = json.loads(stdout.strip().splitlines()[-1])
    # ru_maxrss survives exec (it may show the forking parent's size); the child's own
    # VmHWM, reported by the child, is exact where /proc exists.
    result.setdefault("peak_mb", usage.ru_maxrss / 1024)
    return result


def own_peak_mb() -> float:
    """This process's peak resident memory in MB (VmHWM, reset at exec)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- in-child runs


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _elapsed(started: tuple[float, float]) -> dict[str, object]:
    """Wall seconds and this process's CPU seconds since ``started``."""
    wall, cpu = _clock()
    return {"seconds": wall - started[0], "cpu_seconds": cpu - started[1]}


def _ours(path: str) -> dict[str, object]:
    from openrcm.x12 import check_remittance, read_remittances

    started = _clock()
    documents = read_remittances(path)
    findings = [f for d in documents for f in check_remittance(d)]
    result = _elapsed(started)
    claims = sum(len(d.claims) for d in documents)
    return {**result, "claims": claims, "findings": len(findings)}


def _ours_stream(path: str) -> dict[str, object]:
    from openrcm.x12 import (
        ClaimPayment,
        RemittanceHeader,
        RemittanceTrailer,
        check_claim,
        check_stream_totals,
        stream_remittance,
    )

    started = _clock()
    claims = findings = 0
    header = None
    for item in stream_remittance(path):
        if isinstance(item, ClaimPayment):
            claims += 1
            findings += len(check_claim(item))
        elif isinstance(item, RemittanceHeader):
            header = item
        elif isinstance(item, RemittanceTrailer) and header is not None:
            findings += len(check_stream_totals(header, item))
    return {**_elapsed(started), "claims": claims, "findings": findings}


def _bare_split(path: str) -> dict[str, object]:
    from decimal import Decimal

    started = _clock()
    with open(path) as handle:
        text = handle.read()
    total = Decimal(0)
    claims = 0
    for segment in text.split("~"):
        elements = segment.split("*")
        if elements[0].strip() == "CLP":
            total += Decimal(elements[4])
            claims += 1
    return {**_elapsed(started), "claims": claims}


def _plain_lists(path: str) -> dict[str, object]:
    started = _clock()
    with open(path) as handle:
        text = handle.read()
    segments: list[list[str]] = []
    for segment in text.split("~"):
        segment = segment.strip()
        if segment:
            segments.append(segment.split("*"))
    claims = sum(1 for s in segments if s[0] == "CLP")
    return {**_elapsed(started), "claims": claims}


def _plain_lists_gc_paused(path: str) -> dict[str, object]:
    """The plain parse with the cyclic GC paused while it builds, as our reader runs.

    With the GC on, collections walk the millions of lists again and again and cost the
    plain parse most of its time; our reader pauses the GC, so this is the fair baseline.
    """
    import gc

    gc.disable()
    try:
        return _plain_lists(path)
    finally:
        gc.enable()


IN_CHILD = {
    "ours": _ours,
    "ours-stream": _ours_stream,
    "bare-split": _bare_split,
    "plain-lists": _plain_lists,
    "plain-lists-gc-paused": _plain_lists_gc_paused,
}

# The modules each peer imports, imported before its clock starts: our own reader is timed
# after ``import openrcm.x12``, so the peers are timed without their imports too
# (edi-835-parser imports pandas, over a second on this machine).
PEER_MODULES = {
    "edi-835-parser": ["edi_835_parser"],
    "tigershark": ["tigershark", "tigershark.facade.f835", "tigershark.parsers"],
    "badx12": ["badx12"],
    "linuxforhealth-x12": ["linuxforhealth.x12.io"],
    "pyx12.x12context": ["pyx12.error_handler", "pyx12.params", "pyx12.x12context"],
}


def _peer(name: str, path: str) -> dict[str, object]:
    """Time one peer (run with bench/.peers' python) through bench/_peers/run_peer.py."""
    import collections
    import collections.abc
    import importlib

    # badx12 0.2.2 imports Iterable from collections (removed in Python 3.10).
    collections.Iterable = collections.abc.Iterable  # type: ignore[attr-defined]
    sys.path.insert(0, str(HERE / "_peers"))
    import run_peer

    for module in PEER_MODULES[name]:
        importlib.import_module(module)
    started = _clock()
    claims = run_peer.RUNNERS[name](path)
    return {**_elapsed(started), "claims": claims}


# --------------------------------------------------------------------------- files


def slice_835(source: Path, target: Path, megabytes: int, *, strip_payer_per: bool) -> None:
    """The first claims of ``source`` up to ``megabytes``, re-enveloped and balanced.

    The slice ends at an LX boundary-free claim boundary; BPR02 and the PLB are dropped
    and recomputed (BPR02 = ΣCLP04) so the slice still balances. With
    ``strip_payer_per`` the 1000A PER segment is removed (linuxforhealth-x12 fails on it).
    """
    from decimal import Decimal

    limit = megabytes * 1_000_000
    lines = []
    paid = Decimal(0)
    size = 0
    with source.open() as handle:
        for raw in handle:
            segment = raw.rstrip("\n").rstrip("~")
            if segment.startswith(("SE*", "GE*", "IEA*", "PLB*")):
                break
            if segment.startswith("CLP*"):
                if size > limit:
                    break
                paid += Decimal(segment.split("*")[4])
            if strip_payer_per and segment.startswith("PER*"):
                continue
            lines.append(segment)
            size += len(raw)
    text_lines = []
    for segment in lines:
        if segment.startswith("BPR*"):
            parts = segment.split("*")
            parts[2] = str(paid)
            segment = "*".join(parts)
        text_lines.append(segment)
    st_index = next(i for i, s in enumerate(text_lines) if s.startswith("ST*"))
    count = len(text_lines) - st_index + 1
    text_lines += [f"SE*{count}*0001", "GE*1*1", "IEA*1*000000001"]
    target.write_text("~\n".join(text_lines) + "~\n")


def ensure_peers() -> str | None:
    """Create bench/.peers from peers-requirements.txt if missing; None when ready."""
    if PEER_PY.exists():
        return None
    print("creating bench/.peers (peer parsers) ...", flush=True)
    created = subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=False)
    if created.returncode != 0:
        return "cannot create the virtualenv"
    installed = subprocess.run(
        [str(PEER_PY), "-m", "pip", "install", "-q", "-r", str(HERE / "peers-requirements.txt")],
        check=False,
    )
    return None if installed.returncode == 0 else "pip install failed (see above)"


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] in IN_CHILD:
        result = IN_CHILD[sys.argv[1]](sys.argv[2])
        result["peak_mb"] = own_peak_mb()
        print(json.dumps(result))
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "peer" and sys.argv[2] in PEER_MODULES:
        result = _peer(sys.argv[2], sys.argv[3])
        result["peak_mb"] = own_peak_mb()
        print(json.dumps(result))
        return 0
    if len(sys.argv) == 5 and sys.argv[1] == "build":
        # Built in a child so the timing parent stays small (children fork from it).
        facts = build_835(Path(sys.argv[2]), int(sys.argv[3]) * 1_000_000, seed=int(sys.argv[4]))
        print(json.dumps(facts))
        return 0
    # --only ours,plain-lists,bare-split: time just those readers (quick iteration).
    only: set[str] | None = None
    if len(sys.argv) == 3 and sys.argv[1] == "--only":
        only = {name.strip() for name in sys.argv[2].split(",") if name.strip()}
    elif len(sys.argv) > 1:
        print(
            "usage: bench_x12_835.py "
            "[--only ours,ours-stream,plain-lists,plain-lists-gc-paused,bare-split,PEER]"
        )
        return 2

    def wanted(name: str) -> bool:
        return only is None or name in only

    WORK.mkdir(parents=True, exist_ok=True)
    main_file = WORK / f"synthetic-{MAIN_MB}mb.835"
    if not main_file.exists():
        started = time.perf_counter()
        built = [sys.executable, __file__, "build", str(main_file), str(MAIN_MB), "835"]
        output = subprocess.run(built, check=True, capture_output=True, text=True).stdout.strip()
        print(f"built {main_file.name}: {output} in {time.perf_counter() - started:.1f} s")
    size_mb = main_file.stat().st_size / 1e6
    print(f"file: {main_file} ({size_mb:.1f} MB)")
    me = [sys.executable, __file__]
    results: dict[str, dict[str, object]] = {}
    for name in ("ours", "plain-lists", "plain-lists-gc-paused", "bare-split"):
        if not wanted(name):
            continue
        result = run_child([*me, name, str(main_file)])
        result["mb"] = size_mb
        results[name] = result
    peers_wanted = [peer for peer in SLICE_MB if wanted(peer)]
    problem = ensure_peers() if peers_wanted else None
    for peer, megabytes in SLICE_MB.items():
        if peer not in peers_wanted:
            continue
        if problem:
            results[peer] = {"error": f"skipped: {problem}"}
            continue
        strip = peer == "linuxforhealth-x12"
        path = WORK / f"slice-{megabytes}mb{'-noper' if strip else ''}.835"
        if not path.exists():
            slice_835(main_file, path, megabytes, strip_payer_per=strip)
        result = run_child([str(PEER_PY), __file__, "peer", peer, str(path)])
        result["mb"] = path.stat().st_size / 1e6
        result["note"] = f"{megabytes} MB slice" + (", 1000A PER stripped" if strip else "")
        results[peer] = result
    stream: dict[str, object] = {"mb": float(STREAM_MB)}
    if wanted("ours-stream"):
        stream_file = WORK / f"synthetic-{STREAM_MB}mb-stream.835"
        if not stream_file.exists():
            built = [sys.executable, __file__, "build", str(stream_file), str(STREAM_MB), "200"]
            subprocess.run(built, check=True)
        stream = run_child([*me, "ours-stream", str(stream_file)])
        stream["mb"] = stream_file.stat().st_size / 1e6
        results["ours-stream"] = stream

    def rate(name: str, key: str = "cpu_seconds") -> float | None:
        """MB/s of CPU time (the default) or of wall time (``key="seconds"``)."""
        r = results.get(name, {})
        if key not in r:
            return None
        return float(r["mb"]) / float(r[key])  # type: ignore[arg-type]

    ours = rate("ours") or 0.0
    print(
        "\nMB/s is per second of the child's CPU time (user + system), so that other load on"
        "\nthe machine does not tilt a ratio; wall-clock MB/s is shown beside it."
    )
    print(
        f"\n{'reader':22} {'MB/s':>8} {'wall':>8} {'peak MB':>8} {'claims':>8} {'ours ×':>8}  note"
    )
    for name, result in results.items():
        speed = rate(name)
        if speed is None:
            print(f"{name:22} {'-':>8} {'-':>8} {'-':>8} {'-':>8} {'-':>8}  {result.get('error')}")
            continue
        ratio = ours / speed if speed else 0.0
        print(
            f"{name:22} {speed:8.2f} {rate(name, 'seconds') or 0.0:8.2f} "
            f"{float(result['peak_mb']):8.0f} "  # type: ignore[arg-type]
            f"{result.get('claims', '-')!s:>8} {ratio:8.1f}  {result.get('note', '')}"
        )
    bare = rate("bare-split")
    if bare and ours:
        print(
            f"\nceiling: the bare split loop (no objects, no checks) runs at {bare:.1f} MB/s; "
            f"ours is {ours / bare:.0%} of it."
        )
        for peer in ("linuxforhealth-x12", "pyx12.x12context"):
            speed = rate(peer)
            if speed:
                print(
                    f"  100x {peer} needs {100 * speed:.1f} MB/s = "
                    f"{100 * speed / bare:.0%} of the bare split loop"
                )
    peers = [p for p in SLICE_MB if rate(p)]
    fastest = max((rate(p) or 0.0 for p in peers), default=0.0)
    lfh = rate("linuxforhealth-x12") or 0.0
    pyx12 = rate("pyx12.x12context") or 0.0
    stream_peak = float(stream.get("peak_mb", 1e9))  # type: ignore[arg-type]
    targets = [
        (">= 10x the fastest peer that builds 835 objects", bool(fastest) and ours >= 10 * fastest,
         bool(peers)),
        (">= 100x linuxforhealth-x12", bool(lfh) and ours >= 100 * lfh, "linuxforhealth-x12"),
        (">= 100x pyx12", bool(pyx12) and ours >= 100 * pyx12, "pyx12.x12context"),
        ("faster than plain parse into lists (GC on, as a plain parse runs)",
         ours > (rate("plain-lists") or 0), "plain-lists"),
        ("faster than plain parse into lists (GC paused, as our reader runs)",
         ours > (rate("plain-lists-gc-paused") or 0), "plain-lists-gc-paused"),
        (f"peak memory < 150 MB streaming {stream['mb']:.0f} MB", stream_peak < 150,
         "ours-stream"),
    ]  # fmt: skip
    print(
        "\nnote: our reader pauses Python's cyclic GC while it builds objects (no cycles) "
        "and then moves them to the oldest generation (gc.freeze + gc.unfreeze, O(1))"
    )
    for label, ok, needs in targets:
        measured = needs if isinstance(needs, bool) else needs in results
        if only is not None and not measured:
            print(f"skip  {label} (not run)")
            continue
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
