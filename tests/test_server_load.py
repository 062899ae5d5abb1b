"""The API under concurrent load on the loopback address: 8 clients x 200 requests against a real
`ur serve` (bounded in count and time). Every response must be the right one for its request
(checked byte for byte against the same request sent alone), and none may be lost."""

from __future__ import annotations

import http.client
import json
import threading
import urllib.parse

from tests.conftest import ROOT
from engine.knowledge.case_files import load_cases

CLIENTS, REQUESTS = 8, 200
SAMPLE = ROOT / "cases" / "real" / "letters" / "003_f23b8e2a6e4a7aa2.yaml"


def _requests() -> list[tuple[str, bytes]]:
    sample = load_cases(SAMPLE)[0].case.model_dump(mode="json", exclude_none=True)
    soma = {"request_date": "2015-06-01", "findings": {"acute_exacerbation": True},
            "items": [{"request": "Soma 350mg #90", "sig": "1 tid", "documentation": {"new_start": True}}]}
    within = {**soma, "items": [{"request": "Soma 350mg #21", "sig": "1 tid", "documentation": {"new_start": True}}]}
    bad = {**soma, "items": [{"request": "Soma 350mg", "quantity": "ninety"}]}
    return [("/api/check", json.dumps(soma).encode()), ("/api/check", json.dumps(within).encode()),
            ("/api/check", json.dumps(sample).encode()), ("/api/decide", json.dumps({**sample, "id": "load"}).encode()),
            ("/api/check", json.dumps(bad).encode())]


def _comparable(path: str, body: bytes) -> bytes:
    """The decision record's `created` (and so its seal) moves with the clock; all else must be identical."""
    if path == "/api/decide":
        record = json.loads(body)
        record.pop("created")
        record.pop("seal")
        return json.dumps(record, sort_keys=True).encode()
    return body


def test_eight_clients_two_hundred_requests_each_nothing_lost(live_server):
    host = urllib.parse.urlsplit(live_server.base).netloc
    work = _requests()
    expected = {}
    for path, body in work:
        reply = live_server.request("POST", path, body, "application/json")
        expected[(path, body)] = (reply.status, _comparable(path, reply.body))
    assert sorted(status for status, _ in expected.values()) == [200, 200, 200, 200, 422]
    results: list[list[str]] = [[] for _ in range(CLIENTS)]

    def client(n: int) -> None:
        conn = http.client.HTTPConnection(host, timeout=60)
        try:
            for i in range(REQUESTS):
                path, body = work[(n + i) % len(work)]
                try:
                    conn.request("POST", path, body, {"Content-Type": "application/json"})
                    resp = conn.getresponse()
                    got = (resp.status, _comparable(path, resp.read()))
                except (OSError, http.client.HTTPException) as exc:
                    results[n].append(f"error {type(exc).__name__}")
                    conn.close()
                    conn = http.client.HTTPConnection(host, timeout=60)
                    continue
                results[n].append("ok" if got == expected[(path, body)] else f"wrong answer to {path}")
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(thread.is_alive() for thread in threads), "clients still running after 10 minutes"
    answers = [answer for per_client in results for answer in per_client]
    assert len(answers) == CLIENTS * REQUESTS
    problems = [answer for answer in answers if answer != "ok"]
    assert not problems, f"{len(problems)} of {len(answers)}: {sorted(set(problems))}"
    assert live_server.get("/api/health").status == 200
