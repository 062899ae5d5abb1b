"""Facts for the opioid-selection rules (buprenorphine, Butrans, tapentadol); see docs/adding-a-rule.md.

Opioid-specific selection criteria found missing when real IMR cases were rehearsed: buprenorphine
(sublingual for opiate addiction, transdermal Butrans for selected chronic-pain patients) and
tapentadol (Nucynta, second-line after first-line opioids). All are findings a record states
directly; no derived fact is added, so there is no bench setter module for this group.
"""

from __future__ import annotations

from engine.knowledge.facts.base import FactSet

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

# Buprenorphine (MTUS CPMTG 2009 "Buprenorphine"; ODG Pain, buprenorphine for chronic pain)
finding("opioid_addiction_history", "bool",
        "A history of opioid addiction or dependence (opioid use disorder) is diagnosed, including "
        "buprenorphine maintenance for it")
finding("opioid_detoxified", "bool",
        "The patient was previously detoxified or weaned from opioids (e.g. high-dose opioids)")
finding("hyperalgesic_pain", "bool",
        "A hyperalgesic component to the pain (including opioid-induced hyperalgesia) or centrally "
        "mediated pain is documented")

# Tapentadol (ODG Pain, Tapentadol (Nucynta))
finding("first_line_opioid_intolerance", "bool",
        "Intolerable adverse effects with a first-line opioid (e.g. hydrocodone, oxycodone, morphine) are "
        "documented: which opioid and which adverse effect")
