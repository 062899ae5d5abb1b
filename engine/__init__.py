"""UR decision engine: guideline rules as YAML data, evaluated by durable_rules against case facts.

Public API:
    load_pack(root=None) -> RulePack
    load_cases(path) -> list[LoadedCase]
    evaluate(case, pack, doc=None, name=...) -> CaseDecision
"""

from engine.knowledge.case_files import load_cases
from engine.errors import EngineError, EngineFault
from engine.knowledge.pack import load_pack

__all__ = ["EngineError", "EngineFault", "evaluate", "load_cases", "load_pack"]


def evaluate(*args, **kwargs):
    """Deferred import: durable_rules loads only when something is evaluated."""
    from engine.decide.evaluate import evaluate as _evaluate

    return _evaluate(*args, **kwargs)
