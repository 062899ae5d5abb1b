"""Facts for durable medical equipment with no item-specific rule: how the item stands against
the DME definition (data in the item's vocabulary entry, `dme:`) and the documented need for it."""

from __future__ import annotations

from engine.knowledge.facts.base import Context, FactSet

DECLARED = FactSet()  # this module's facts, tables, levers and example setters
derived, finding = DECLARED.derived, DECLARED.finding

finding("equipment_need", "bool",
        "The record names the limitation from the injury that the equipment addresses", scope="item")


def _profile(ctx: Context):
    service = ctx.vocab.services.get(ctx.resolved.name) if ctx.resolved.kind == "service" else None
    return service.dme if service is not None else None


@derived("device.withstands_repeated_use", "bool",
         "The item withstands repeated use (could be rented and used by successive patients); from its "
         "vocabulary entry", section="item")
def _repeated(ctx: Context):
    profile = _profile(ctx)
    return profile.repeated_use if profile else None


@derived("device.primarily_medical", "bool",
         "The item primarily and customarily serves a medical purpose; from its vocabulary entry", section="item")
def _medical(ctx: Context):
    profile = _profile(ctx)
    return profile.primarily_medical if profile else None


@derived("device.useful_without_injury", "bool",
         "The item is generally useful to a person without an illness or injury; from its vocabulary entry",
         section="item")
def _useful(ctx: Context):
    profile = _profile(ctx)
    return profile.useful_without_injury if profile else None


@derived("device.home_use", "bool", "The item is appropriate for use in the patient's home; from its vocabulary entry",
         section="item")
def _home(ctx: Context):
    profile = _profile(ctx)
    return profile.home_use if profile else None
