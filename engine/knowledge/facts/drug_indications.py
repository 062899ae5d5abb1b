"""Findings for levetiracetam (other anti-epilepsy drugs failed), ramelteon (sleep-onset insomnia),
atypical antipsychotics (indication, failed antidepressant trial, psychiatric management),
non-benzodiazepine anxiolytics (anxiety disorder) and dantrolene (upper motor neuron spasticity).
"""

from __future__ import annotations

from engine.knowledge.facts.base import Context, FactSet

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

finding("other_aed_failed", "bool",
        "Trials of other anti-epilepsy drugs (e.g. gabapentin, pregabalin) failed or were not tolerated, "
        "whether or not they are in the medication list")
finding("sleep_onset_insomnia", "bool",
        "Difficulty falling asleep (prolonged sleep latency) is documented as the sleep complaint")
finding("antipsychotic_indication", "text",
        "What the antipsychotic is prescribed for: a psychotic disorder, bipolar disorder, major depression "
        "(as an add-on to an antidepressant), anxiety, PTSD, insomnia, pain or another reason",
        values=("psychotic_disorder", "bipolar_disorder", "major_depression", "anxiety", "ptsd", "insomnia",
                "pain", "other"))
finding("antidepressant_trial_failed", "bool",
        "An adequate trial (dose and duration) of a first-line antidepressant did not control the depression")
finding("psychiatrist_managing", "bool",
        "A psychiatrist prescribes or manages the psychiatric medication")
finding("anxiety_disorder", "bool",
        "An anxiety disorder (e.g. generalized anxiety disorder, panic disorder) is diagnosed")
finding("upper_motor_neuron_spasticity", "bool",
        "Spasticity from an upper motor neuron disorder (spinal cord injury, multiple sclerosis, cerebral palsy, "
        "stroke or brain injury) is documented")

_AED = "anticonvulsant"


@derived("history.other_aed_tried", "bool",
         "Another anti-epilepsy drug than the requested one was tried, now or before (medication list), "
         "or the record says other anti-epilepsy drugs failed (finding.other_aed_failed)",
         section="medication")
def _other_aed_tried(ctx: Context):
    requested = ctx.resolved.name if ctx.resolved.kind == "drug" else None
    meds = ctx.all_drugs()
    if any(_AED in classes and name != requested for _, classes, name in meds):
        return True
    stated = ctx.case.findings.get("other_aed_failed")
    if stated is not None:
        return stated
    return False if ctx.documented("medications") else None


# Example setters (FactSet.setter): how bench/generate.py makes a case where a fact takes a value.
@DECLARED.setter("history.other_aed_tried")
def _example_other_aed_tried(case, item, value, ctx):
    """True: gabapentin (or another anti-epilepsy drug) in the history; False: a history without one."""
    meds = case.setdefault("medications", [])
    if value:
        other = sorted(d.name for d in ctx["vocab"].drugs.values()
                       if "anticonvulsant" in d.classes and d.name != ctx["name"])[0]
        if not any(m["drug"] == other for m in meds):
            meds.append({"drug": other, "status": "past"})
    else:
        vocab = ctx["vocab"]

        def other_aed(med):
            term = vocab.lookup(med["drug"])
            return term is not None and "anticonvulsant" in term.classes and term.name != ctx["name"]

        case["medications"] = [m for m in meds if not other_aed(m)]
        case.setdefault("findings", {})["other_aed_failed"] = False
