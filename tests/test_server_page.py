"""The check page without a browser: how the form's text becomes a case (typed, compacted,
errors kept per input), where engine errors are shown, and the page as a real server returns it
(errors next to their input, everything escaped, the Apply button re-checking the changed request)."""

from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape

from engine.errors import EngineError, Location
from engine.server.form import apply_change, read_form

TODAY = dt.date(2015, 6, 1)
SOMA = {"request_date": "2015-06-01", "items[0].request": "Soma 350mg #90", "items[0].sig": "1 tid",
        "items[0].documentation[0].name": "new_start", "items[0].documentation[0].value": "yes",
        "findings[0].name": "acute_exacerbation", "findings[0].value": "yes"}


def test_form_text_becomes_a_typed_case():
    entry = read_form({**SOMA, "items[0].quantity": "63", "items[0].levels": "L4-L5, L5-S1",
                       "medications[3].drug": "Soma", "medications[3].since": "2015-05-01",
                       "medications[3].response.pain_reduced": "yes", "exam.spasm": "no", "pain.score": "7",
                       "items[0].documentation[2].name": "risks_discussed",
                       "items[0].documentation[2].value": "yes", "diagnoses": "lumbar strain\n\nsciatica",
                       "monitoring.opioid_agreement": "yes", "monitoring.drug_screens[1].consistent": "no",
                       "monitoring.drug_screens[1].date": "2015-03-02"}, TODAY)
    assert entry.errors == {}
    data = entry.data
    assert data["request_date"] == "2015-06-01" and data["diagnoses"] == ["lumbar strain", "sciatica"]
    assert data["items"] == [{"request": "Soma 350mg #90", "sig": "1 tid", "quantity": 63.0,
                              "levels": ["L4-L5", "L5-S1"], "id": "item-1",
                              "documentation": {"new_start": True, "risks_discussed": True}}]
    assert data["medications"] == [{"drug": "Soma", "since": "2015-05-01", "response": {"pain_reduced": True}}]
    assert data["findings"] == {"acute_exacerbation": True}
    assert data["exam"] == {"spasm": False} and data["pain"] == {"score": 7.0}
    assert data["monitoring"] == {"opioid_agreement": True, "drug_screens": [{"date": "2015-03-02", "consistent": False}]}
    # blank rows are dropped and the rest renumbered: row 3 of the page is medication 0 now
    assert entry.values["medications[0].drug"] == "Soma" and entry.rows["medications"] == 1


def test_each_bad_input_keeps_its_own_message():
    entry = read_form({"request_date": "1 June", "items[0].request": "Soma", "items[0].quantity": "ninety",
                       "items[1].sig": "1 tid", "findings[0].name": "acute_exacerbaton", "findings[0].value": "yes",
                       "findings[1].name": "conservative_care_weeks", "findings[1].value": "many",
                       "exam.straight_leg_raise": "sideways"}, TODAY)
    assert entry.errors == {
        "request_date": "expects a date YYYY-MM-DD (got '1 June')",
        "items[0].quantity": "expects a number (got 'ninety')",
        "items[1].request": "write the request as it will be submitted",
        "findings[0].name": "unknown finding 'acute_exacerbaton' (did you mean 'acute_exacerbation'?)",
        "findings[1].value": "expects a number (got 'many')",
        "exam.straight_leg_raise": "expects one of positive, negative (got 'sideways')",
    }


def test_engine_errors_land_on_the_input_they_name():
    entry = read_form({**SOMA, "medications[0].drug": "Soma", "items[0].documentation[0].name": "risks_discussed",
                       "items[0].documentation[0].value": "no"}, TODAY)
    for field, expected in [("items[0].request", "items[0].request"), ("items[0]", "items[0].request"),
                            ("medications[0].since", "medications[0].since"),
                            ("medications[0].response", "medications[0].response.pain_reduced"), ("findings.acute_exacerbation",
                                                                              "findings[0].value"),
                            ("items[0].documentation.risks_discussed", "items[0].documentation[0].value"),
                            ("", "form"), ("patient", "patient.age")]:
        entry.errors.clear()
        entry.error_at(EngineError("bad", Location("form", 1, field)))
        assert entry.errors == {expected: "bad"}, field


def test_apply_change_writes_the_proposed_value_into_the_item():
    form = apply_change(SOMA, "item-1", "quantity", 63.0)
    assert form["items[0].quantity"] == "63" and form["items[0].request"] == "Soma 350mg #90"
    assert apply_change(SOMA, "item-2", "levels", ["L4-L5"])["items[1].levels"] == "L4-L5"
    for item, field in (("item-x", "quantity"), ("item-1", "request_date"), ("item-1", "documentation")):
        try:
            apply_change(SOMA, item, field, 1)
        except EngineError:
            continue
        raise AssertionError(f"{item} {field} accepted")


def _outcomes(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-item="([^"]+)" data-outcome="([^"]+)"', html))


def _error_for(html: str, key: str) -> str:
    found = re.search(r'class="error" id="[^"]*" data-for="' + re.escape(key) + r'">([^<]*)<', html)
    return unescape(found.group(1)) if found else ""


def test_blank_page_offers_the_vocabulary(live_server, pack):
    reply = live_server.get("/")
    assert reply.status == 200 and reply.type == "text/html"
    html = reply.text
    assert '<datalist id="treatments">' in html and '<option value="Norco">' in html
    assert '<option value="acute_exacerbation">' in html and 'list="drugs"' in html
    assert f"{len(pack.rules)} rules" in html


def test_page_checks_applies_and_rechecks(live_server):
    first = live_server.post_form("/", SOMA)
    assert first.status == 200 and _outcomes(first.text) == {"item-1": "upheld"}
    assert "Documentation checklist" in first.text and "Carisoprodol (Soma), p. 29" in first.text
    button = re.search(r'name="apply"\s+value="([^"]+)"', first.text)
    change = json.loads(unescape(button.group(1)))
    assert change == {"item": "item-1", "field": "quantity", "value": 63.0,
                      "text": "request #63 or fewer (#63 at 3 a day lasts 21 days)"}
    again = live_server.post_form("/", {**SOMA, "apply": unescape(button.group(1))})
    assert again.status == 200 and _outcomes(again.text) == {"item-1": "overturned"}
    assert 'name="items[0].quantity" value="63"' in again.text and "Applied to item-1" in again.text


def test_bad_input_is_shown_next_to_its_field(live_server):
    reply = live_server.post_form("/", {**SOMA, "items[0].quantity": "lots", "items[1].request": "Frobnicate 20mg"})
    assert reply.status == 422 and "Traceback" not in reply.text
    assert _error_for(reply.text, "items[0].quantity") == "expects a number (got 'lots')"
    unknown = live_server.post_form("/", {**SOMA, "items[1].request": "Frobnicate 20mg"})
    assert unknown.status == 422 and "no known drug or service in 'Frobnicate 20mg'" in _error_for(unknown.text, "items[1].request")
    joined = live_server.post_form("/", {**SOMA, "items[0].request": "Norco/Soma"})
    assert "names two treatments" in _error_for(joined.text, "items[0].request")
    assert _outcomes(joined.text) == {}


def test_case_text_is_escaped_everywhere(live_server):
    evil = 'Soma 350mg #21 <script>alert(1)</script><img src=x onerror="alert(2)">'
    reply = live_server.post_form("/", {**SOMA, "items[0].request": evil, "diagnoses": "</textarea><script>x()</script>"})
    assert reply.status == 200
    assert "<script>alert" not in reply.text and "<img src=x" not in reply.text and "<script>x()" not in reply.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reply.text


def test_more_rows_and_printable_view(live_server):
    more = live_server.post_form("/", {**SOMA, "action": "more"})
    assert _outcomes(more.text) == {} and 'name="items[3].request"' in more.text
    printed = live_server.post_form("/", {**SOMA, "action": "print"})
    assert printed.status == 200 and "<form" not in printed.text and _outcomes(printed.text) == {"item-1": "upheld"}
    assert "Request checked" in printed.text and 'name="apply"' not in printed.text


def test_a_drug_screen_typed_on_the_page_moves_the_opioid_outcome(live_server):
    """MTUS on-going opioid management: an inconsistent urine drug screen left unaddressed blocks
    continuation; the same request with the screen consistent is approvable."""
    norco = {"request_date": "2015-06-01", "items[0].request": "Norco 10/325 #120", "items[0].sig": "1 q6h prn",
             "medications[0].drug": "Norco", "medications[0].since": "2014-01-10",
             "medications[0].response.pain_reduced": "yes", "medications[0].response.function_improved": "yes",
             "medications[0].response.side_effects_reviewed": "yes", "medications[0].response.aberrant_behavior": "no",
             "monitoring.opioid_agreement": "yes", "monitoring.drug_screens[0].date": "2015-03-02"}
    consistent = live_server.post_form("/", {**norco, "monitoring.drug_screens[0].consistent": "yes"})
    inconsistent = live_server.post_form("/", {**norco, "monitoring.drug_screens[0].consistent": "no"})
    assert _outcomes(consistent.text) == {"item-1": "overturned"}
    assert _outcomes(inconsistent.text) == {"item-1": "upheld"}
    assert 'data-criterion="mtus-cpmtg.opioids-ongoing.no_unaddressed_drug_screen"' in inconsistent.text


from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from engine.server.page import Page  # noqa: E402
from engine.server.service import Checker, Settings  # noqa: E402

_PAGE: list = []
HOSTILE = st.lists(st.sampled_from(list("<>&\"'/=ab #1\x00\x1b\u202e\n") + ["script", "Soma 350mg", "Norco 10/325",
                                                                          "<script>", "yes", "acute_exacerbation"]),
                   max_size=8).map("".join)


def _page() -> Page:
    if not _PAGE:
        _PAGE.append(Page(Checker(Settings())))
    return _PAGE[0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=HOSTILE, sig=HOSTILE, quantity=HOSTILE, name=HOSTILE, value=HOSTILE, diagnosis=HOSTILE)
def test_any_typed_text_gives_a_page_never_a_crash_and_nothing_unescaped(request, sig, quantity, name, value, diagnosis):
    typed = {"request_date": "2015-06-01", "items[0].request": request, "items[0].sig": sig,
             "items[0].quantity": quantity, "findings[0].name": name, "findings[0].value": value,
             "diagnoses": diagnosis}
    html, status = _page().submit(typed, TODAY)
    assert status in (200, 422)
    body = html.split("<body>", 1)[1].split("<datalist", 1)[0]
    assert "<script" not in body and "\x00" not in body and "\x1b" not in body and "\u202e" not in html
    assert (status == 200) == bool(_outcomes(html))
    if status == 422:
        assert 'class="error"' in html or 'class="problem' in html


def test_control_and_bidi_characters_are_shown_as_escapes():
    html, status = _page().submit({"request_date": "2015-06-01", "items[0].request": "Soma 350mg #21\x1b[31m\u202e",
                                   "items[0].sig": "1 tid"}, TODAY)
    assert status == 200 and "Soma 350mg #21\\x1b[31m\\u202e" in html
