"""The inputs of the check page: for each, where its value goes in a case (relative to its row) and
how its text is typed. Repeating groups (items, medications, ...) have rows; input names are the
case's own paths, e.g. `items[0].quantity`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

from engine.intake.cases import Region

MAX_ROWS = 40  # per repeating group: more is not a request an office types by hand
REGIONS = get_args(Region)


@dataclass(frozen=True)
class Field:
    """One input: where its value goes in the case (relative to its row), and how it is typed."""

    key: str
    label: str
    kind: str = "text"  # text, number, int, date, bool, choice, list, lines, levels
    choices: tuple[str, ...] = ()
    hint: str = ""
    datalist: str = ""


@dataclass(frozen=True)
class Group:
    """A repeating group of rows (items, medications, ...) and how many spare rows to offer."""

    name: str
    label: str
    fields: tuple[Field, ...]
    spare: int = 1
    minimum: int = 1


CASE_FIELDS = (
    Field("request_date", "Request date", "date", hint="the day the request is made (picks the guidelines in force)"),
    Field("injury_date", "Date of injury", "date"),
    Field("patient.age", "Age", "int"),
    Field("patient.sex", "Sex", "choice", ("male", "female", "other")),
    Field("diagnoses", "Diagnoses", "lines", hint="one per line, as written"),
)
FINDING_FIELDS = (
    Field("exam.spasm", "Spasm on exam", "bool"),
    Field("exam.tenderness", "Tenderness", "bool"),
    Field("exam.range_of_motion_reduced", "Reduced range of motion", "bool"),
    Field("exam.trigger_points", "Trigger points", "bool"),
    Field("exam.straight_leg_raise", "Straight leg raise", "choice", ("positive", "negative")),
    Field("exam.sensory_loss", "Sensory loss at", "levels", hint="levels, e.g. L5, S1"),
    Field("exam.motor_deficit", "Motor deficit at", "levels"),
    Field("exam.reflex_loss", "Reflex loss at", "levels"),
    Field("pain.score", "Pain score (0-10)", "number"),
    Field("pain.radiating", "Radiating pain", "bool"),
    Field("pain.neuropathic", "Neuropathic pain", "bool"),
    Field("pain.months", "Months of pain", "number"),
    Field("function.work_status", "Work status", "choice", ("full_duty", "modified_duty", "not_working", "retired")),
    Field("function.adl_improved", "Daily activities improved", "bool"),
    Field("monitoring.opioid_agreement", "Opioid agreement signed", "bool"),
    Field("monitoring.single_prescriber", "Single prescriber", "bool"),
)
ITEMS = Group("items", "Requested items", (
    Field("request", "Request as written", hint="e.g. Norco 10/325 #120, PT 2x6 lumbar, LESI L4-5", datalist="treatments"),
    Field("sig", "Directions", hint="e.g. 1 tid, 1 q6h prn"),
    Field("quantity", "Quantity", "number"),
    Field("units_per_day", "Units a day", "number"),
    Field("visits", "Visits", "int"),
    Field("frequency_per_week", "Per week", "number"),
    Field("weeks", "Weeks", "number"),
    Field("levels", "Levels", "list", hint="e.g. L4-L5, L5-S1"),
    Field("region", "Region", "choice", REGIONS),
    Field("side", "Side", "choice", ("left", "right", "both")),
    Field("accompanies", "Goes with item", "text", hint="e.g. item-1 (fluoroscopy with an injection)"),
    Field("components", "Bundled parts", "list", hint="comma-separated"),
), spare=1, minimum=2)
MEDICATIONS = Group("medications", "Medication history", (
    Field("drug", "Drug", datalist="drugs"),
    Field("strength", "Strength"),
    Field("sig", "Directions"),
    Field("since", "Started", "date"),
    Field("status", "Status", "choice", ("current", "past")),
    Field("stopped", "Stopped", "date"),
    Field("pattern", "Taken", "choice", ("regular", "intermittent", "as_needed")),
    Field("response.pain_reduced", "Pain reduced", "bool"),
    Field("response.pain_reduction_percent", "Pain reduced by %", "number"),
    Field("response.function_improved", "Function improved", "bool"),
    Field("response.side_effects_reviewed", "Side effects reviewed", "bool"),
    Field("response.aberrant_behavior", "Aberrant behaviour", "bool"),
), spare=1, minimum=2)
PROCEDURES = Group("procedures", "Treatment history", (
    Field("service", "Treatment or procedure", datalist="treatments"),
    Field("date", "Date", "date"),
    Field("region", "Region", "choice", REGIONS),
    Field("levels", "Levels", "list"),
    Field("visits", "Visits", "int"),
    Field("relief_percent", "Relief %", "number"),
    Field("relief_weeks", "Relief weeks", "number"),
    Field("function_improved", "Function improved", "bool"),
    Field("medication_reduced", "Medication reduced", "bool"),
))
STUDIES = Group("studies", "Imaging and studies", (
    Field("kind", "Study", "choice", ("mri", "ct", "xray", "bone_scan", "myelogram", "emg", "ncs", "emg_ncs", "ultrasound")),
    Field("region", "Region", "choice", REGIONS),
    Field("date", "Date", "date"),
    Field("nerve_root_levels", "Nerve root involvement at", "list"),
    Field("significant_pathology", "Significant pathology", "bool"),
    Field("findings", "Result as written"),
))
DRUG_SCREENS = Group("monitoring.drug_screens", "Urine drug screens", (
    Field("date", "Date", "date"),
    Field("consistent", "Consistent with the prescriptions", "bool"),
    Field("addressed", "Inconsistency addressed", "bool"),
))
FINDINGS = Group("findings", "Other documented findings", (
    Field("name", "Finding", hint="e.g. conservative_care_failed", datalist="findings"),
    Field("value", "Value", hint="yes / no, a number, or a listed word"),
), spare=2, minimum=3)
DOCUMENTATION = Group("documentation", "Documented for this request", (
    Field("name", "What is documented", hint="e.g. risks_discussed", datalist="documentation"),
    Field("value", "Value", hint="yes or no"),
))
GROUPS = (ITEMS, MEDICATIONS, PROCEDURES, STUDIES, DRUG_SCREENS, FINDINGS)
ITEM_FIELDS = {f.key for f in ITEMS.fields}
