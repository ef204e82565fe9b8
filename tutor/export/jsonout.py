"""The bank as one JSON document, for other tools (the YAML schema, minus file positions)."""

from __future__ import annotations

import json
from pathlib import Path

from quizbank import Bank, Question

FORMAT_NAME = "cidl-tutor-bank"
FORMAT_VERSION = 1


def _langs(d: dict, langs: tuple[str, ...]) -> dict:
    return {lang: d[lang] for lang in langs if lang in d}


def question_dict(q: Question, langs: tuple[str, ...]) -> dict:
    return {
        "id": q.id,
        "namespace": q.namespace,
        "local_id": q.local_id,
        "topic": q.topic_id,
        "question": q.question,
        "kind": q.kind,
        "answer": _langs(q.answer, langs),
        "key_points": [
            {
                "id": kp.id,
                "weight": kp.weight,
                "text": _langs(kp.text, langs),
                "terms": _langs(kp.terms, langs),
            }
            for kp in q.key_points
        ],
        "misconceptions": [
            {
                "id": m.id,
                "text": _langs(m.text, langs),
                "correction": _langs(m.correction, langs),
                "terms": _langs(m.terms, langs),
            }
            for m in q.misconceptions
        ],
        "demos": list(q.demos),
        "drills": list(q.drills),
        "see_also": list(q.see_also),
    }


def bank_document(bank: Bank, questions: list[Question], langs: tuple[str, ...]) -> dict:
    chosen = {q.id for q in questions}
    topics = []
    for t in bank.topics:
        ids = [qid for qid in t.question_ids if qid in chosen]
        if ids:
            topics.append(
                {
                    "id": t.id,
                    "namespace": t.namespace,
                    "key": t.key,
                    "title": _langs(t.title, langs),
                    "source": t.source,
                    "license": t.license,
                    "question_ids": ids,
                }
            )
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "languages": list(langs),
        "topics": topics,
        "questions": [question_dict(q, langs) for q in questions],
    }


def write_json(bank: Bank, questions: list[Question], langs: tuple[str, ...], path: Path):
    text = json.dumps(bank_document(bank, questions, langs), ensure_ascii=False, indent=2)
    Path(path).write_text(text + "\n", encoding="utf-8")
