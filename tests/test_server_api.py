"""The HTTP API of `ur serve`, against a real server: the same JSON as `ur check --format json`,
the same record as `ur batch`, problem+json errors naming line and field, the size limit, the
OpenAPI schema, privacy (nothing stored or logged) and the decision log when it is turned on."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys

import pytest

from engine.advise.checklist import advise
from engine.decide.record import read_records
from engine.knowledge.case_files import case_from_data, load_cases
from engine.report.check_text import render_json
from tests.conftest import ROOT
from tests.live_server import ENTRY, running

PROBLEM = "application/problem+json"
SAMPLE = ROOT / "cases" / "real" / "letters" / "001_e3e102f313bbacd1.yaml"
SOMA = {"id": "soma-check", "request_date": "2015-06-01", "findings": {"acute_exacerbation": True},
        "items": [{"request": "Soma 350mg #90", "sig": "1 tid", "documentation": {"new_start": True}}]}


def sample_case() -> dict:
    return load_cases(SAMPLE)[0].case.model_dump(mode="json", exclude_none=True)


def test_health_names_the_rule_pack(live_server, pack):
    reply = live_server.get("/api/health")
    assert reply.status == 200
    assert reply.json() == {"status": "ok", "rules": {"name": pack.info.name, "version": pack.info.version,
                                                       "digest": pack.digest, "count": len(pack.rules)}}


def test_check_returns_exactly_what_ur_check_prints(live_server, tmp_path):
    data = sample_case()
    reply = live_server.post_json("/api/check", data)
    assert reply.status == 200 and reply.type == "application/json"
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data))
    cli = subprocess.run([sys.executable, "-c", ENTRY, "check", str(path), "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode in (0, 1), cli.stderr
    assert reply.text == cli.stdout
    assert [i["outcome"] for i in reply.json()["items"]] == [i["outcome"] for i in json.loads(cli.stdout)["items"]]


def test_check_moves_with_the_request(live_server, pack):
    """Same case, quantity within the carisoprodol rule's 21 days: the answer follows the rules."""
    over = live_server.post_json("/api/check", SOMA).json()
    within = live_server.post_json("/api/check", {**SOMA, "items": [{"request": "Soma 350mg #21", "sig": "1 tid",
                                                                    "documentation": {"new_start": True}}]}).json()
    assert over["approvable"] is False and over["items"][0]["outcome"] == "upheld"
    assert over["items"][0]["changes"][0]["proposed"] == 63
    assert within["approvable"] is True and within["items"][0]["outcome"] == "overturned"
    assert over == json.loads(render_json(advise(case_from_data(SOMA), pack, name="soma-check")))


def test_decide_returns_the_record_ur_batch_writes(live_server, tmp_path):
    data = {**sample_case(), "id": "sample-001"}
    reply = live_server.post_json("/api/decide", data)
    assert reply.status == 200 and reply.type == "application/json"
    created = dt.datetime.fromisoformat(reply.json()["created"].replace("Z", "+00:00"))
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text(json.dumps(data) + "\n")
    same_time = {**os.environ, "SOURCE_DATE_EPOCH": str(int(created.timestamp()))}
    batch = subprocess.run([sys.executable, "-c", ENTRY, "batch", str(jsonl)], capture_output=True, text=True,
                           timeout=120, env=same_time)
    assert batch.returncode == 0, batch.stderr
    assert reply.text == batch.stdout  # byte for byte, seal included, given the same `created`
    assert reply.json()["input"]["name"] == "sample-001"
    record = tmp_path / "record.json"
    record.write_text(reply.text)
    verify = subprocess.run([sys.executable, "-c", ENTRY, "verify", str(record)], capture_output=True, text=True, timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr


@pytest.mark.parametrize("body, status, field, line, words", [
    (b'{"request_date": "2015-06-01",\n "items": [{"request": "Soma", "quantity": -3}]}', 422, "items[0].quantity", 2,
     "greater than 0"),
    (b'{"request_date": "2015-06-01",\n "items": [{"request": "Frobnicate 3"}]}', 422, "items[0].request", 2,
     "no known drug or service"),
    (b'{"request_date": "2015-06-01",\n"findings": {"acute_exacerbaton": true},\n "items": [{"request": "Soma"}]}', 422,
     "findings.acute_exacerbaton", 2, "did you mean 'acute_exacerbation'"),
    (b'{"request_date": "2015-06-01", "items": []}', 422, "items", 1, "at least 1"),
    (b'{"items": [{"request": "Soma"}]}', 422, "request_date", 1, "required"),
    (b'{"request_date": "2015-06-01",\n\n "items": [{"request": "Soma", "quantity": NaN}]}', 400, None, 1, "NaN"),
    (b'{"request_date": ', 400, None, 1, "invalid JSON"),
    (b'[1, 2]', 400, None, 1, "one JSON object"),
    (b'\xff\xfe', 400, None, 1, "UTF-8"),
])
def test_bad_input_is_a_problem_naming_the_field(live_server, body, status, field, line, words):
    for path in ("/api/check", "/api/decide"):
        reply = live_server.request("POST", path, body, "application/json")
        assert reply.status == status, reply.text
        assert reply.type == PROBLEM
        problem = reply.json()
        assert problem["status"] == status and problem["title"] and problem["type"].startswith("/problems/")
        assert problem.get("field") == field
        assert problem.get("line") == line
        assert words in problem["detail"]
        where = f"body:{line}: {field}: " if field else f"body:{line}: "
        assert problem["detail"].startswith(where)
        assert "Traceback" not in reply.text


def test_limits_and_methods_are_problems_too(live_server):
    big = json.dumps({**SOMA, "title": "x" * 300_000}).encode()
    too_large = live_server.request("POST", "/api/check", big, "application/json")
    assert too_large.status == 413 and too_large.type == PROBLEM and "262,144" in too_large.json()["detail"]
    many = {**SOMA, "items": [{"request": f"Soma 350mg #{n + 1}", "id": f"i{n}"} for n in range(51)]}
    assert live_server.post_json("/api/check", many).json()["field"] == "items"
    wrong_type = live_server.request("POST", "/api/check", b"request_date=2015", "application/x-www-form-urlencoded")
    assert wrong_type.status == 415 and wrong_type.type == PROBLEM
    assert live_server.get("/api/check").status == 405
    missing = live_server.get("/api/nothing-here")
    assert missing.status == 404 and missing.type == PROBLEM


def test_openapi_schema_is_generated_from_the_engine_models(live_server):
    from engine.intake.cases import Case

    schema = live_server.get("/openapi.json").json()
    assert {"/api/check", "/api/decide", "/api/health"} <= set(schema["paths"])
    components = schema["components"]["schemas"]
    for path in ("/api/check", "/api/decide"):
        operation = schema["paths"][path]["post"]
        assert operation["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Case"}
        assert PROBLEM in operation["responses"]["422"]["content"]
    assert set(Case.model_fields) == set(components["Case"]["properties"])
    assert "request_date" in components["Case"]["required"]
    assert {"CheckResult", "CheckReport", "DecisionRecord", "Problem", "Item", "Medication"} <= set(components)

    def refs(node):
        if isinstance(node, dict):
            yield from ([node["$ref"]] if "$ref" in node else [])
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    dangling = {r for r in refs(schema) if r.rsplit("/", 1)[1] not in components}
    assert not dangling


def test_nothing_received_is_stored_or_logged(live_server):
    marker = "Marker-Zq81 <b>ignored</b>"
    before = sorted(p.name for p in live_server.workdir.iterdir())
    live_server.post_json("/api/check", {**SOMA, "title": marker})
    live_server.post_json("/api/decide", {**SOMA, "title": marker})
    live_server.post_json("/api/check", {**SOMA, "title": marker, "items": [{"request": marker}]})
    live_server.post_form("/", {"request_date": "2015-06-01", "items[0].request": marker})
    assert sorted(p.name for p in live_server.workdir.iterdir()) == before
    assert "Marker-Zq81" not in live_server.stderr.read_text()


def test_security_headers_and_host_check(live_server):
    reply = live_server.get("/")
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in reply.headers["content-security-policy"]
    assert reply.headers["cache-control"] == "no-store"
    assert live_server.get("/api/health", headers={"Host": "attacker.example"}).status == 400


def test_decision_log_only_when_asked(tmp_path):
    log, key = tmp_path / "decisions.jsonl", tmp_path / "ur.key"
    key.write_bytes(os.urandom(32))
    with running(tmp_path, "--decision-log", str(log), "--sign-key", str(key)) as server:
        assert server.post_json("/api/check", SOMA).status == 200
        assert server.post_json("/api/decide", SOMA).status == 200
        assert server.post_json("/api/check", {**SOMA, "items": [{"request": "Frobnicate"}]}).status == 422
        assert server.post_form("/", {"request_date": "2015-06-01", "items[0].request": "Soma 350mg #21",
                                      "items[0].sig": "1 tid", "items[0].documentation[0].name": "new_start",
                                      "items[0].documentation[0].value": "yes", "findings[0].name": "acute_exacerbation",
                                      "findings[0].value": "yes"}).status == 200
    records = read_records(log)
    assert [r.input.name for r in records] == ["soma-check", "soma-check", "form"]
    assert [r.decision.items[0].outcome for r in records] == ["upheld", "upheld", "overturned"]
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600
    verify = subprocess.run([sys.executable, "-c", ENTRY, "verify", str(log), "--key", str(key)], capture_output=True,
                            text=True, timeout=120)
    assert verify.returncode == 0 and all(r.signature is not None for r in records), verify.stdout + verify.stderr


def test_serve_refuses_bad_options_in_one_line(live_server, tmp_path):
    port = live_server.base.rsplit(":", 1)[1]
    for args, words in ((["--port", port], "cannot listen on 127.0.0.1:" + port),
                        (["--decision-log", str(tmp_path)], "is a folder")):
        done = subprocess.run([sys.executable, "-c", ENTRY, "serve", *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, done.stdout + done.stderr
        assert words in done.stderr and len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_the_web_stack_loads_only_for_ur_serve():
    code = ("import sys, engine, engine.cli; from engine.cli import main; "
            "print(sorted(m for m in ('fastapi', 'uvicorn', 'jinja2', 'starlette', 'engine.server') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stdout + done.stderr
