"""Measure `ur import` on the sample letters against their hand-written cases (docs/importing.md).

    python bench/import_samples.py [SEEDS_DIR]

Per letter: items and outcomes (same request and outcome; verbatim count), dates, facts in the
draft / in the hand-written case / agreeing, entries listed for review, and `ur test` on the draft
as imported (review list dropped, nothing confirmed) and after the listed confirmations."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import yaml

from engine.intake.letter_draft import import_letter
from engine.knowledge.pack import load_pack
from engine.quality.import_check import compare, confirm_from
from engine.quality.regression import run

ROOT = Path(__file__).resolve().parent.parent


def passed(case: dict, pack) -> tuple[int, int]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "draft.yaml"
        path.write_text(yaml.safe_dump(case, sort_keys=False))
        results = list(run([path], pack))
    return sum(r.status == "pass" for r in results), len(results)


def main(seeds: Path) -> None:
    pack = load_pack()
    print(f"{'letter':8} {'items':>7} {'dates':>5} {'draft':>5} {'case':>5} {'agree':>5} {'review':>6} {'raw':>5} {'confirmed':>9}")
    totals = [0] * 7
    for letter in sorted(seeds.glob("*.txt")):
        hand = yaml.safe_load((ROOT / "cases" / "real" / "letters" / f"{letter.stem}.yaml").read_text())
        draft, reads = import_letter(letter, pack.vocab)
        found = compare(draft, hand, pack.vocab)
        dates = all(a == b for a, b in found["dates"].values())
        raw = passed({k: v for k, v in draft.items() if k != "review"}, pack)
        confirmed = passed(confirm_from(draft, hand, pack.vocab)[0], pack)
        n = len(draft["items"])
        print(f"{letter.stem[:8]:8} {('ok' if found['items'] else 'NO') + f' {n}':>7} {'ok' if dates else 'NO':>5}"
              f" {found['draft_facts']:>5} {found['case_facts']:>5} {found['agreeing']:>5} {len(reads.review):>6}"
              f" {raw[0]:>2}/{raw[1]:<2} {confirmed[0]:>5}/{confirmed[1]:<2}")
        for i, value in enumerate((found["draft_facts"], found["case_facts"], found["agreeing"], len(reads.review),
                                   raw[0], confirmed[0], n)):
            totals[i] += value
    print(f"{'total':8} {totals[6]:>7} {'':>5} {totals[0]:>5} {totals[1]:>5} {totals[2]:>5} {totals[3]:>6}"
          f" {totals[4]:>2}/{totals[6]:<2} {totals[5]:>5}/{totals[6]:<2}")


if __name__ == "__main__":
    default = ROOT.parent / "shared" / "seeds"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default if default.is_dir() else Path("/work/shared/seeds"))
