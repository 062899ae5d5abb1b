"""A study's `findings:` text is read when its fields are not stated (table study-findings).

Both directions on many phrasings (a lesion; a normal report; negated, hedged and mild-only wording
left unread), the explicit fields winning over the text, a root named versus a disc level only, the
table moving outcomes, the case files of cases/study-findings moving when only their study text
changes, explanations naming the text read, and one definition: no fact reads the fields itself.
"""

from __future__ import annotations

import ast
import copy
import shutil
from pathlib import Path

import pytest

from engine.decide.evaluate import evaluate
from engine.intake.cases import Study, merge
from engine.intake.sources import read_document
from engine.knowledge.case_files import case_from_data, load_cases
from engine.knowledge.facts import FACTS
from engine.knowledge.facts.base import STUDY_FINDINGS
from engine.knowledge.pack import load_pack
from engine.knowledge.study_text import read_findings, study_shows
from tests.conftest import ROOT

CASES = ROOT / "cases" / "study-findings" / "reports-in-words.yaml"


@pytest.fixture(scope="module")
def table(pack):
    return pack.table_values[STUDY_FINDINGS]


LESIONS = [
    ("mri", "Full-thickness tear of the supraspinatus tendon with 1.5 cm retraction"),
    ("mri", "complex tear posterior horn medial meniscus"),
    ("mri", "MR arthrogram: type II SLAP tear"),
    ("mri", "anterosuperior labral tear; cam morphology"),
    ("mri", "Loose body in the medial gutter"),
    ("mri", "L4-5 disc herniation"),
    ("mri", "L5-S1 HNP"),
    ("mri", "right paracentral L4-5 extrusion"),
    ("mri", "L4-5 protrusion contacting the left L5 root"),
    ("mri", "L5-S1 protrusion abutting the S1 nerve root"),
    ("mri", "disc osteophyte complex with mass effect on the exiting C6 root"),
    ("mri", "C5-6 disc osteophyte complex, moderate left foraminal stenosis"),
    ("mri", "severe central and lateral recess stenosis L4-5"),
    ("mri", "mild to moderate central canal stenosis"),
    ("mri", "Stenosis: moderate"),
    ("mri", "grade I anterolisthesis L4 on L5"),
    ("xray", "grade 1 L5-S1 spondylolisthesis"),
    ("xray", "5 mm translation L4-5 on flexion-extension"),
    ("ct", "nonunion at L5-S1 with lucency about the screws"),
    ("ct", "pseudarthrosis L4-5"),
    ("xray", "nondisplaced fracture of the distal radius"),
    ("ncs", "moderate right median neuropathy at the wrist"),
    ("ncs", "findings consistent with carpal tunnel syndrome"),
    ("ncs", "mild bilateral carpal tunnel syndrome"),
    ("ncs", "ulnar neuropathy across the elbow"),
    ("ncs", "prolonged median distal latency"),
    ("emg", "chronic active left L5 radiculopathy"),
    ("emg_ncs", "acute denervation in the right S1 myotome"),
]
NORMAL = [
    ("xray", "normal"), ("mri", "Unremarkable MRI of the right shoulder."), ("emg", "within normal limits"),
    ("ncs", "Normal study. No evidence of carpal tunnel syndrome."), ("xray", "No acute findings"),
    ("xray", "normal alignment, no fracture"), ("mri", "negative"), ("ct", "no acute osseous abnormality"),
]
UNREAD = [
    # negated lesion words
    ("mri", "no tear"), ("mri", "without stenosis"), ("mri", "no evidence of herniation"),
    ("mri", "no fracture, dislocation or tear"), ("mri", "the tendon is not torn"), ("mri", "Fracture: none"),
    ("mri", "no significant stenosis"), ("mri", "L4-5 protrusion without nerve root compression"),
    ("ncs", "no electrodiagnostic evidence of carpal tunnel syndrome"), ("xray", "flexion-extension: no instability"),
    ("mri", "supraspinatus tendinosis, mild AC arthrosis, no tear"),
    ("mri", "L5-S1 DDD with Modic changes, no spondylolisthesis"),
    # hedges
    ("mri", "possible tear"), ("mri", "questionable labral tear"), ("mri", "cannot exclude partial tear"),
    ("mri", "a partial-thickness tear cannot be excluded"), ("mri", "rule out meniscal tear"),
    ("mri", "tear versus tendinosis"), ("xray", "hardware intact, fusion indeterminate, possible lucency"),
    ("mri", "findings suspicious for a small labral tear"),
    # mild-only degenerative wording, and findings that are not lesions by themselves
    ("mri", "mild DDD L4-5"), ("mri", "mild degenerative changes"), ("mri", "L4-5 3 mm bulge, mild foraminal narrowing"),
    ("mri", "moderate facet arthropathy with mild stenosis"), ("mri", "L5-S1 protrusion"),
    ("mri", "supraspinatus tendinosis"), ("ncs", "peripheral polyneuropathy"),
    ("mri", "L5 radiculopathy"),  # radiculopathy is an EMG result, not an imaging one
    ("xray", "moderate medial joint space narrowing"), ("mri", "L4-5 disc bulge with an annular tear"),
    ("xray", "old healed fracture of the distal radius"), ("", ""),
]


@pytest.mark.parametrize("kind,text", LESIONS)
def test_a_named_lesion_is_significant_pathology(table, kind, text):
    reading = read_findings(text, kind, table)
    assert reading.pathology is True and reading.words, text


@pytest.mark.parametrize("kind,text", NORMAL)
def test_a_report_in_normal_words_is_no_significant_pathology(table, kind, text):
    assert read_findings(text, kind, table).pathology is False, text


@pytest.mark.parametrize("kind,text", UNREAD)
def test_negated_hedged_and_mild_wording_is_left_unread(table, kind, text):
    reading = read_findings(text, kind, table)
    assert reading.pathology is None and not reading.roots, text


@pytest.mark.parametrize("kind,text,roots", [
    ("mri", "right paracentral L5-S1 protrusion abutting S1 root", (("S1", "right"),)),
    ("mri", "L4-5 left foraminal protrusion contacting L5 root", (("L5", "left"),)),
    ("mri", "L4-5 extrusion with mass effect on the L5 and S1 nerve roots bilaterally", (("L5", "both"), ("S1", "both"))),
    ("mri", "L5 root impingement by a foraminal disc protrusion", (("L5", None),)),
    ("emg", "chronic active left L5 radiculopathy", (("L5", "left"),)),
    ("mri", "L4-5: extrusion compressing the right L5 nerve root. L5-S1: mild desiccation.", (("L5", "right"),)),
    # a disc level is not a root; a root in a negated or hedged statement is not read
    ("mri", "L5-S1 extrusion", ()),
    ("mri", "L4-5 protrusion without compression of the L5 nerve root", ()),
    ("mri", "possible contact with the right L5 root", ()),
    ("mri", "L4-5 extrusion without compression of the L5 nerve root", ()),
    ("mri", "L4-5 extrusion; possible contact with the L5 root", ()),
])
def test_a_root_is_read_where_the_text_names_one(table, kind, text, roots):
    assert read_findings(text, kind, table).roots == roots


def _study(**fields) -> Study:
    return Study.model_validate({"kind": "mri", "region": "lumbar", **fields})


def test_explicit_fields_win_over_the_text(table):
    lesion = "right L4-5 extrusion compressing the right L5 nerve root"
    assert study_shows(_study(findings=lesion, significant_pathology=False), table).significant_pathology is False
    assert study_shows(_study(findings=lesion, significant_pathology=False), table).roots == ()
    assert study_shows(_study(findings="normal", significant_pathology=True), table).significant_pathology is True
    assert study_shows(_study(findings=lesion, nerve_root_levels=[]), table).roots == ()
    assert study_shows(_study(findings=lesion, nerve_root_levels=["S1"]), table).roots == (("S1", None),)
    assert study_shows(_study(findings=lesion, side="left"), table).roots == (("L5", "left"),)
    read = study_shows(_study(findings=lesion), table)
    assert (read.significant_pathology, read.roots) == (True, (("L5", "right"),))
    assert '"compressing"' in read.read and "nerve root L5 (right)" in read.read
    stated = study_shows(_study(findings=lesion, significant_pathology=True, nerve_root_levels=["L5"]), table)
    assert stated.read == ""  # nothing came from the text


def _entries() -> dict[str, dict]:
    data = read_document(CASES).data
    return {entry["name"]: merge(data["base"], entry) for entry in data["cases"]}


def _decide(pack, data: dict) -> dict[str, str]:
    data = {k: v for k, v in data.items() if k != "name"}
    return {item.id: item.outcome for item in evaluate(case_from_data(data), pack).items}


REWORDED = {  # by study kind: wordings that show no lesion a reviewer would count
    "mri": ["no tear, no stenosis", "possible tear; cannot exclude root contact", "mild degenerative changes",
            "unremarkable", "L4-5 protrusion"],
    "ncs": ["no electrodiagnostic evidence of carpal tunnel syndrome", "borderline median slowing, equivocal",
            "normal study"],
}


def test_each_approval_in_words_moves_with_the_study_text(pack):
    entries = _entries()
    loaded = {one.name: one for one in load_cases(CASES)}
    approvable = [name for name, one in loaded.items()
                  if {item.expected for item in one.case.items} == {"overturned"}]
    assert len(approvable) >= 5
    for name in approvable:
        data = entries[name]
        assert all("significant_pathology" not in s and "nerve_root_levels" not in s for s in data["studies"])
        assert set(_decide(pack, data).values()) == {"overturned"}, name
        for wording in REWORDED[data["studies"][0]["kind"]]:
            changed = copy.deepcopy(data)
            changed["studies"][0]["findings"] = wording
            assert set(_decide(pack, changed).values()) == {"upheld"}, (name, wording)


def test_the_siblings_differ_only_in_the_study(pack):
    """Each denied case is its approvable case with the study reworded (or a field stated), nothing else."""
    entries = _entries()
    for name, data in entries.items():
        base = next((other for other in entries if name.startswith(other + "_")), None)
        if base is None:
            continue
        ignored = {"name", "title", "items", "sources", "documented_in", "studies", "exam", "pain"}
        assert {k: v for k, v in data.items() if k not in ignored} == \
               {k: v for k, v in entries[base].items() if k not in ignored}, name
        assert data["studies"][0]["findings"] != entries[base]["studies"][0]["findings"] or \
            "significant_pathology" in data["studies"][0], name


@pytest.fixture()
def rules_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("UR_CACHE_DIR", "")
    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    return target


def test_a_changed_table_entry_moves_the_outcome(rules_copy, pack):
    cuff = _entries()["cuff_repair_full_thickness_tear_in_words"]
    esi = _entries()["esi_root_named_in_words"]
    assert _decide(pack, cuff) == {"surgery": "overturned"} and _decide(pack, esi) == {"esi": "overturned"}
    path = rules_copy / "tables" / "study-findings.yaml"
    text = path.read_text()
    path.write_text(text.replace("words: [tear, tears,", "words: [tears,", 1)
                    .replace("    - words: [contacting, contacts, contact with, abutting, abuts,",
                             "    - words: [contacting, contacts, contact with, abuts,", 1))
    edited = load_pack(rules_copy)
    assert edited.digest != pack.digest
    assert _decide(edited, cuff) == {"surgery": "upheld"}
    assert _decide(edited, esi) == {"esi": "upheld"}


def test_explain_says_the_value_was_read_from_the_findings_text(pack):
    cuff = _entries()["cuff_repair_full_thickness_tear_in_words"]
    decision = evaluate(case_from_data({k: v for k, v in cuff.items() if k != "name"}), pack)
    facts = [f for r in decision.item("surgery").rules for c in r.criteria for f in c.facts
             if f.name == "surgery.imaging_lesion"]
    assert facts and facts[0].value is True
    assert 'findings "Full-thickness tear of the supraspinatus' in facts[0].source
    assert 'read as significant pathology ("tear")' in facts[0].source


READERS = ("surgery.imaging_lesion", "surgery.cts_confirmed_by_ncs", "surgery.ulnar_neuropathy_on_edx",
           "consult.surgical_lesion_suspected", "spine.electrodiagnostic_nerve_dysfunction",
           "spine.radiculopathy_corroborated", "spine.radiculopathy_obvious")


def test_every_fact_reading_what_a_study_shows_declares_the_table():
    assert all(STUDY_FINDINGS in FACTS[name].tables for name in READERS)


def test_no_module_reads_the_study_fields_itself():
    """One definition: outside the case model, the study reader and the web form's field list, no
    engine module reads `significant_pathology` or `nerve_root_levels` off a study."""
    allowed = {"engine/intake/cases.py", "engine/knowledge/study_text.py"}
    found = []
    for path in sorted((ROOT / "engine").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("significant_pathology", "nerve_root_levels"):
                if not (isinstance(node.value, ast.Name) and node.value.id in ("result", "reading")) and \
                        not _is_study_result(node):
                    found.append(f"{rel}:{node.lineno}: .{node.attr}")
    assert not found, found


def _is_study_result(node: ast.Attribute) -> bool:
    """`ctx.study(s).significant_pathology`: the reading, not the raw field."""
    call = node.value
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "study"
