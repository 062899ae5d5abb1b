"""Benchmark of `ur serve`: warm per-request latency of the HTTP API (one client, one request at a
time) and requests per second (8 concurrent clients), against a real server on the loopback
address, pinned to one core. Prints a table; not a test.

    python bench/serve.py [--requests 1000] [--clients 8] [--cores 0]

Requests: a one-item pre-submission check (Soma, the quick-entry example of docs/checking.md), the
four-item sample determination 001 as a check, and the same as a decision record. Target: warm
check p95 < 50 ms on one core (docs/server.md). The `engine` column is the p50 of the same work
in-process on the same core (no HTTP): the difference is the server's own cost. Traffic goes to 127.0.0.1 only and the run is
bounded by --requests.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ENTRY = "import sys; from engine.cli import main; sys.argv[0] = 'ur'; main()"


def bodies() -> dict[str, tuple[str, bytes]]:
    from engine.knowledge.case_files import load_cases

    sample = load_cases(ROOT / "cases" / "real" / "letters" / "001_e3e102f313bbacd1.yaml")[0].case
    sample_json = json.dumps(sample.model_dump(mode="json", exclude_none=True)).encode()
    soma = {"request_date": "2015-06-01", "findings": {"acute_exacerbation": True},
            "items": [{"request": "Soma 350mg #90", "sig": "1 tid"}]}
    return {"check, 1 item (Soma #90)": ("/api/check", json.dumps(soma).encode()),
            f"check, {len(sample.items)} items (sample 001)": ("/api/check", sample_json),
            f"decide, {len(sample.items)} items (sample 001)": ("/api/decide", sample_json)}


def start(cores: str) -> tuple[subprocess.Popen, str]:
    def pin() -> None:
        if cores and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {int(c) for c in cores.split(",")})

    proc = subprocess.Popen([sys.executable, "-c", ENTRY, "serve", "--port", "0"], stdout=subprocess.PIPE,
                            text=True, cwd=ROOT, preexec_fn=pin)
    line = proc.stdout.readline()
    if "http://" not in line:
        proc.kill()
        raise SystemExit(f"ur serve did not start: {line!r}")
    return proc, line.split("http://", 1)[1].split("/", 1)[0]


def post(conn: http.client.HTTPConnection, path: str, body: bytes) -> int:
    conn.request("POST", path, body, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    resp.read()
    return resp.status


def percentile(sorted_ms: list[float], p: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(p / 100 * len(sorted_ms)))]


def latency(host: str, path: str, body: bytes, count: int) -> list[float]:
    conn = http.client.HTTPConnection(host, timeout=60)
    for _ in range(20):  # warm: first evaluations fill the per-process caches
        assert post(conn, path, body) == 200
    out = []
    for _ in range(count):
        start = time.perf_counter()
        assert post(conn, path, body) == 200
        out.append((time.perf_counter() - start) * 1000)
    conn.close()
    return sorted(out)


def throughput(host: str, path: str, body: bytes, clients: int, count: int) -> tuple[float, int]:
    per_client = max(1, count // clients)
    failures = [0]

    def run() -> None:
        conn = http.client.HTTPConnection(host, timeout=60)
        for _ in range(per_client):
            if post(conn, path, body) != 200:
                failures[0] += 1
        conn.close()

    threads = [threading.Thread(target=run) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return per_client * clients / (time.perf_counter() - start), failures[0]


def in_process(path: str, body: bytes, count: int) -> float:
    """p50 ms of the same work without HTTP (the engine alone), for the server's overhead."""
    from engine.advise.checklist import advise
    from engine.decide.record import engine_json, evaluate_reading, record_line, timestamp
    from engine.knowledge.case_files import case_from_data
    from engine.knowledge.pack import load_pack

    pack = load_pack()
    def decide(case) -> str:
        decision, reads = evaluate_reading(case, pack)
        return record_line(case, "request", pack, decision, timestamp(), engine_json(), reads)

    work = (lambda case: advise(case, pack, name="request")) if path == "/api/check" else decide
    for _ in range(20):
        work(case_from_data(json.loads(body)))
    out = []
    for _ in range(count):
        start = time.perf_counter()
        work(case_from_data(json.loads(body)))
        out.append((time.perf_counter() - start) * 1000)
    return percentile(sorted(out), 50)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per measurement (bounded)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--cores", default="0", help="CPUs the server may use (default: one core); '' for all")
    args = parser.parse_args()
    if args.cores and hasattr(os, "sched_setaffinity"):
        mine = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {int(c) for c in args.cores.split(",")})
    engine_ms = {label: in_process(path, body, min(args.requests, 300)) for label, (path, body) in bodies().items()}
    if args.cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, mine)
    proc, host = start(args.cores)
    try:
        print(f"ur serve on {host}, server pinned to CPU {args.cores or 'all'}; {args.requests} requests per row")
        print(f"{'request':32} {'engine':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}  {'req/s 1 client':>14} "
              f"{f'req/s {args.clients} clients':>16} {'failed':>6}")
        for label, (path, body) in bodies().items():
            ms = latency(host, path, body, args.requests)
            rps, failed = throughput(host, path, body, args.clients, args.requests)
            print(f"{label:32} {engine_ms[label]:7.1f} {percentile(ms, 50):7.1f} {percentile(ms, 95):7.1f} {percentile(ms, 99):7.1f} "
                  f"{ms[-1]:7.1f}  {1000 * len(ms) / sum(ms):14.0f} {rps:16.0f} {failed:6}")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
