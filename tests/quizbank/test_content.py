"""The built-in bank: all 97 official questions, both languages, usable rubrics."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from quizbank import load_bank, validate
from quizbank.textnorm import group_hits

OFFICIAL = Path(__file__).resolve().parents[1] / "data" / "cidl-questions.md"
TYPO_FIXES = {"Reparametrization Tick": "Reparametrization Trick"}


def official_questions() -> dict[str, str]:
    out = {}
    for line in OFFICIAL.read_text(encoding="utf-8").splitlines():
        m = re.match(r"- \*\*([a-h]\.\d\d)\*\*\s+(.*)$", line)
        if m:
            text = m.group(2).strip()
            for wrong, right in TYPO_FIXES.items():
                text = text.replace(wrong, right)
            out[m.group(1)] = text
    return out


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def test_official_list_parsed():
    assert len(official_questions()) == 97


def test_all_97_ids_with_official_texts(bank):
    official = official_questions()
    assert [q.id for q in bank.questions] == list(official)
    for q in bank.questions:
        assert q.question == official[q.id], q.id


def test_topics_a_to_h(bank):
    assert [t.key for t in bank.topics] == list("abcdefgh")
    for t in bank.topics:
        assert t.title["en"] and t.title["it"]


def test_both_languages_substantial(bank):
    for q in bank.questions:
        for lang in ("en", "it"):
            words = len(q.answer[lang].split())
            assert words >= 60, f"{q.id} {lang}: only {words} words"


def test_kinds(bank):
    kinds = {q.id: q.kind for q in bank.questions}
    for qid in ("c.10", "d.06", "e.09", "f.05", "g.06"):
        assert kinds[qid] == "diagram"
        answer = bank.get(qid).answer["en"]
        assert "```" in answer and re.search(r"[─│┌┐└┘├┤▶►→]", answer), qid
    for qid in ("a.11", "a.12", "a.13", "a.14"):
        assert kinds[qid] == "exercise"


def test_every_key_point_is_hit_by_its_own_answer(bank):
    for q in bank.questions:
        assert 3 <= len(q.key_points) <= 7, q.id
        for kp in q.key_points:
            for lang in ("en", "it"):
                assert group_hits(kp.terms[lang], q.answer[lang], lang), f"{q.id}/{kp.id}/{lang}"


def test_conceptual_questions_have_misconceptions(bank):
    for q in bank.questions:
        if q.kind != "exercise":
            assert q.misconceptions, q.id


def test_every_question_has_a_demo_or_drill(bank):
    for q in bank.questions:
        assert q.demos or q.drills, q.id


def test_see_also_resolves(bank):
    for q in bank.questions:
        for ref in q.see_also:
            assert ref in bank and ref != q.id


def test_builtin_bank_is_valid():
    errors = [p for p in validate() if p.severity == "error"]
    assert errors == []


@pytest.mark.parametrize(
    "qid, must_contain",
    [
        ("b.03", ["contiguous"]),
        ("c.03", ["⌊", "⌋"]),
        ("d.07", ["i", "f", "g", "o"]),
        ("f.04", ["detach"]),
        ("e.11", ["log"]),
    ],
)
def test_known_seed_errors_are_fixed(bank, qid, must_contain):
    text = bank.get(qid).answer["en"]
    for needle in must_contain:
        assert needle in text or needle in text.replace("\\lfloor", "⌊").replace("\\rfloor", "⌋"), (
            qid,
            needle,
        )


def test_gru_equation_is_pytorchs(bank):
    text = " ".join(bank.get(q).answer["en"] for q in ("d.08", "d.09"))
    flat = re.sub(r"\s+", "", text)
    # h' = (1 - z) ⊙ n + z ⊙ h, never the seed's (1 - z) ⊙ h_{t-1} + z ⊙ h_t
    assert (
        re.search(r"\(1-z_?t?\)\\odotn", flat)
        or re.search(r"\(1-z_?\{?t?\}?\)\\odotn", flat)
        or "(1-z)⊙n" in flat
    )


def test_conv_formula_labels(bank):
    text = bank.get("c.03").answer["en"]
    assert "W - K + 2P" in text.replace("−", "-") or "W+2P-K" in text.replace(" ", "").replace(
        "−", "-"
    )
