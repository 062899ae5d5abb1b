"""Cases of N items for timing `ur check` (bench/run.py --check): one realistic record (chronic low
back pain, opioids, prior therapy) with N requested items cycling through drugs, services, an
injection with the fluoroscopy that accompanies it, and items likely denied (so each gets its
what-if search). Not a test fixture: the outcomes are whatever the rules say."""

from __future__ import annotations

from typing import Any

BASE: dict[str, Any] = {
    "request_date": "2015-06-01",
    "injury_date": "2012-03-01",
    "diagnoses": ["lumbar radiculopathy", "lumbar disc protrusion"],
    "regions": ["lumbar"],
    "exam": {"sensory_loss": [{"level": "L5"}], "straight_leg_raise": "positive", "documented_in": "PR-2 2015-05-20"},
    "studies": [{"kind": "mri", "region": "lumbar", "date": "2014-11-02", "nerve_root_levels": ["L5"],
                 "findings": "L4-5 disc protrusion contacting the L5 root"}],
    "pain": {"score": 7, "with_medication": 4, "without_medication": 8},
    "medications": [{"drug": "Norco", "strength": "10/325 mg", "sig": "1 q6h", "since": "2014-01-01",
                     "response": {"pain_reduced": True, "function_improved": False}}],
    "monitoring": {"opioid_agreement": True},
    "procedures": [{"service": "physical therapy", "region": "lumbar", "visits": 12, "date": "2014-06-01"}],
}

# (request, extra fields); "fluoro" accompanies the injection just before it
ITEMS: list[tuple[str, dict[str, Any]]] = [
    ("Norco 10/325 #180", {"sig": "1-2 q4h prn"}),
    ("Soma 350mg #90", {"sig": "1 tid"}),
    ("Lidoderm 5% patch #30", {}),
    ("PT 2x6 lumbar", {}),
    ("LESI L4-5", {}),
    ("Fluoroscopy", {"accompanies": "prev"}),
    ("Omeprazole 20mg #60", {"sig": "1 bid"}),
    ("Acupuncture x 12", {}),
    ("MRI lumbar spine", {}),
    ("Gabapentin 600mg #90", {"sig": "1 tid"}),
    ("Chiropractic 2x6 lumbar", {}),
    ("Tramadol ER 150mg #30", {"sig": "1 daily"}),
]


def case_with(n: int) -> dict[str, Any]:
    """The base record with n items (ids i1..in)."""
    items = []
    for i in range(n):
        request, extra = ITEMS[i % len(ITEMS)]
        item: dict[str, Any] = {"id": f"i{i + 1}", "request": request, **extra}
        if item.get("accompanies") == "prev":
            if i == 0:
                del item["accompanies"]
            else:
                item["accompanies"] = f"i{i}"
        items.append(item)
    return {**BASE, "id": f"check-{n}-items", "items": items}
