"""Time one peer parser on one 835 (run inside bench/.peers with its python).

Usage: python run_peer.py NAME FILE. Prints one JSON line: seconds (parse only, imports
excluded) and the number of claims the peer built (a sanity check that it read them).
"""

from __future__ import annotations

import json
import sys
import time


def edi_835_parser(path: str) -> int:
    from edi_835_parser import parse

    sets = parse(path)
    return sum(len(ts.claims) for ts in sets)


def tigershark(path: str) -> int:
    from tigershark import X12_5010_X221A1
    from tigershark.facade.f835 import F835_5010
    from tigershark.parsers import SimpleParser

    with open(path) as handle:
        text = handle.read()
    message = SimpleParser("835", X12_5010_X221A1).unmarshall(text)
    facade = F835_5010(message)
    return sum(len(getattr(f, "claims", [])) for f in facade.facades)


def badx12(path: str) -> int:
    import collections
    import collections.abc

    # badx12 0.2.2 imports Iterable from collections (removed in Python 3.10).
    collections.Iterable = collections.abc.Iterable  # type: ignore[attr-defined]
    from badx12 import Parser

    document = Parser().parse_document(path)
    count = 0
    for group in document.interchange.groups:
        for ts in group.transaction_sets:
            count += sum(1 for s in ts.body if getattr(s.id, "value", s.id) == "CLP")
    return count


def linuxforhealth(path: str) -> int:
    from linuxforhealth.x12.io import X12ModelReader

    count = 0
    with X12ModelReader(path) as reader:
        for model in reader.models():
            for header in getattr(model, "loop_2000", []) or []:
                count += len(getattr(header, "loop_2100", []) or [])
    return count


def pyx12_context(path: str) -> int:
    import pyx12.error_handler
    import pyx12.params
    import pyx12.x12context

    param = pyx12.params.params()
    errh = pyx12.error_handler.errh_null()
    count = 0
    with open(path) as handle:
        reader = pyx12.x12context.X12ContextReader(param, errh, handle)
        for datatree in reader.iter_segments("2100"):
            if datatree.id == "2100":
                count += 1
    return count


RUNNERS = {
    "edi-835-parser": edi_835_parser,
    "tigershark": tigershark,
    "badx12": badx12,
    "linuxforhealth-x12": linuxforhealth,
    "pyx12.x12context": pyx12_context,
}


def main() -> None:
    name, path = sys.argv[1], sys.argv[2]
    runner = RUNNERS[name]
    started = time.perf_counter()
    claims = runner(path)
    seconds = time.perf_counter() - started
    peak = 0.0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    print(json.dumps({"seconds": seconds, "claims": claims, "peak_mb": peak}))


if __name__ == "__main__":
    main()
