"""Facts for post-operative splints and immobilisers (wrist splint after carpal tunnel release,
knee immobiliser); see docs/adding-a-rule.md.

A splint follows a carpal tunnel release when it is requested with the release (`accompanies:`),
or when it is requested as post-operative (the words "post-op", "postoperative", "after surgery"
in the request, or finding.postoperative_period) and the operation it follows is a carpal tunnel
release: the latest operation in the procedure history, the request text naming the release, or,
with no operation on record, a patient whose documented hand problem is carpal tunnel syndrome.
"""

from __future__ import annotations

import datetime as dt

import re
from typing import Optional

from engine.knowledge.facts.base import Context, FactSet
from engine.knowledge.facts.orthopedic_surgery import OPERATION_GROUPS
from engine.knowledge.facts.postsurgical import COURSES

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

_POSTOP_WORDS = re.compile(r"\bpost[\s-]?op(?:erative(?:ly)?)?\b|\bafter (?:the )?(?:surgery|release)\b", re.I)
_CTR_WORDS = re.compile(r"carpal tunnel release|\bCTR\b", re.I)


def _latest_surgery(ctx: Context) -> Optional[str]:
    """The latest operation in the history: a service of table operation-groups or postsurgical-courses."""
    surgeries = set(ctx.table(OPERATION_GROUPS)) | set(ctx.table(COURSES))
    done = []
    for proc in ctx.case.procedures:
        term = ctx.vocab.lookup(proc.service)
        if term is not None and term.kind == "service" and term.name in surgeries:
            done.append((proc.date.toordinal() if proc.date else 0, term.name))
    return max(done)[1] if done else None


@derived("splint.after_carpal_tunnel_release", "bool",
         "The wrist splint is for the period after a carpal tunnel release: requested with the release, or "
         "requested as post-operative when the operation it follows is a carpal tunnel release",
         section="item", tables=(OPERATION_GROUPS, COURSES))
def _after_ctr(ctx: Context):
    if ctx.resolved.kind != "service" or ctx.resolved.name != "wrist_splint":
        return None
    term = ctx.accompanied_term()
    if term is not None and term.kind == "service":
        return term.name == "carpal_tunnel_release"
    findings = ctx.case.findings
    if not (_POSTOP_WORDS.search(ctx.item.request) or findings.get("postoperative_period") is True):
        return False
    if _CTR_WORDS.search(ctx.item.request):
        return True
    latest = _latest_surgery(ctx)
    if latest is not None:
        return latest == "carpal_tunnel_release"
    operation = findings.get("operation")
    if operation not in (None, "upper_limb_surgery"):
        return False
    return ctx.finding("carpal_tunnel_signs") is True and ctx.finding("wrist_tendinitis") is not True


# Knee immobiliser
finding("acute_knee_injury", "bool",
        "An acute knee injury that a short immobilisation rests is documented: an acute sprain or ligament "
        "injury, patellar dislocation, fracture about the knee, or an acute tendon injury")


# Example setters (FactSet.setter): how bench/generate.py makes a case where a fact takes a value.
@DECLARED.setter("splint.after_carpal_tunnel_release")
def _example_after_ctr(case, item, value, ctx):
    """True: a carpal tunnel release three weeks ago and the splint requested as post-operative."""
    if not value:
        return
    day = (ctx["date"] - dt.timedelta(days=21)).isoformat()
    case.setdefault("procedures", []).append({"service": "carpal tunnel release", "region": "wrist", "date": day})
    case.setdefault("findings", {})["postoperative_period"] = True
