"""The rubric's own regression suite: every labelled example sentence of the bank, graded alone.

A key point's ``hit`` sentences must earn that point and its ``miss`` sentences must not;
a misconception's ``fires`` sentences must trigger it and its ``safe`` sentences must
not. ``tutor bank validate`` reports each sentence that comes out otherwise at the place
it is written, so a change to the matcher or to a term list shows its cost at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from quizbank.model import Example, Question

from .grader import Grader

__all__ = ["ExampleOutcome", "check_examples", "summary"]

# label -> (item kind, whether the item must be detected)
_EXPECT = {"hit": True, "miss": False, "fires": True, "safe": False}


@dataclass(frozen=True)
class ExampleOutcome:
    """How one labelled sentence came out."""

    question: Question
    kind: str  # "key point" | "misconception"
    item_id: str
    lang: str
    label: str
    example: Example
    detected: bool

    @property
    def ok(self) -> bool:
        return self.detected == _EXPECT[self.label]

    def message(self) -> str:
        """One line, in the validator's words."""
        what = {
            ("key point", "hit"): "is not credited",
            ("key point", "miss"): "is credited although it is labelled miss",
            ("misconception", "fires"): "does not trigger it",
            ("misconception", "safe"): "triggers it although it is labelled safe",
        }[(self.kind, self.label)]
        text = self.example.text if len(self.example.text) <= 90 else self.example.text[:87] + "…"
        return (
            f"question {self.question.local_id} {self.kind} {self.item_id}: "
            f"{self.lang} {self.label} example {what}: {text!r}"
        )


def check_examples(grader: Grader, questions: Iterable[Question]) -> list[ExampleOutcome]:
    """Grade every example sentence of ``questions`` on its own, in its labelled language.

    A sentence is judged the way the grader judges that item inside an answer: a key
    point counts as credited when it is stated and no misconception found in the same
    sentence contradicts it; a misconception when it fires. The rules about whole
    answers (off topic, keyword list, …) do not apply to a single test sentence.
    """
    out: list[ExampleOutcome] = []
    for q in questions:
        for kp in q.key_points:
            for lang, by_label in kp.examples.items():
                for label, sentences in by_label.items():
                    for ex in sentences:
                        j = grader.judge_items(q, ex.text, lang)
                        denied = {mc.contradicts for mc, _ in j.misconceptions}
                        hit = any(
                            item.id == kp.id and m.hit and kp.id not in denied
                            for item, m in j.points
                        )
                        out.append(ExampleOutcome(q, "key point", kp.id, lang, label, ex, hit))
        for mc in q.misconceptions:
            for lang, by_label in mc.examples.items():
                for label, sentences in by_label.items():
                    for ex in sentences:
                        j = grader.judge_items(q, ex.text, lang)
                        fired = any(item.id == mc.id for item, _ in j.misconceptions)
                        out.append(
                            ExampleOutcome(q, "misconception", mc.id, lang, label, ex, fired)
                        )
    return out


def summary(outcomes: list[ExampleOutcome]) -> str:
    """``examples: 912/950 as labelled (96.0%)``, with the share per label."""
    if not outcomes:
        return "examples: none in this bank"
    ok = sum(o.ok for o in outcomes)
    parts = []
    for label in _EXPECT:
        sub = [o for o in outcomes if o.label == label]
        if sub:
            parts.append(f"{label} {sum(o.ok for o in sub)}/{len(sub)}")
    share = 100.0 * ok / len(outcomes)
    return f"examples: {ok}/{len(outcomes)} as labelled ({share:.1f}%; {', '.join(parts)})"
