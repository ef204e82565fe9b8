"""Anki .apkg export with genanki: a note type of our own, a deck per topic, stable ids.

Re-importing an improved export must update the student's notes, not add a
second copy: the note GUID is derived from the question id alone, and the
model and deck ids are constants derived from names, never random.
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import time
import zipfile
from pathlib import Path

from quizbank import Bank, Question
from tutor.export.common import tag_slug, topic_title
from tutor.export.fields import FIELD_NAMES, card_fields

PARENT_DECK = "CIDL"
MODEL_NAME = "cidl-tutor question"
GUID_SALT = "cidl-tutor"


def stable_id(name: str) -> int:
    """A 31-bit-plus id from a name: the same on every machine and every run."""
    digest = hashlib.sha256(f"cidl-tutor:{name}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


MODEL_ID = stable_id("model:question:v1")


def note_guid(qid: str) -> str:
    """Derived from the id only, so a better answer re-imports as an update."""
    import genanki

    return genanki.guid_for(GUID_SALT, qid)


def note_tags(q: Question) -> list[str]:
    return ["cidl-tutor", f"cidl::topic::{tag_slug(q.topic_id)}", f"cidl::kind::{q.kind}"]


def deck_name(bank: Bank, topic_id: str, lang: str) -> str:
    # "::" would nest deeper in Anki; extra banks' "ns:key" keeps a single colon.
    title = topic_title(bank, topic_id, lang).replace("::", ":")
    return f"{PARENT_DECK}::{topic_id} {title}"


FRONT = """\
<div class="meta"><span class="qid">{{Id}}</span><span class="topic">{{Topic}}</span></div>
<div class="question">{{Question}}</div>
"""

BACK = """\
{{FrontSide}}
<hr id="answer">
<div class="answer">{{Answer}}</div>
{{#KeyPoints}}<div class="section">{{KeyPoints}}</div>{{/KeyPoints}}
{{#Mistakes}}<div class="section">{{Mistakes}}</div>{{/Mistakes}}
{{#Demos}}<div class="links">▶ demos: {{Demos}}</div>{{/Demos}}
{{#Drills}}<div class="links">✎ drills: {{Drills}}</div>{{/Drills}}
{{#SeeAlso}}<div class="links">→ {{SeeAlso}}</div>{{/SeeAlso}}
"""

CSS = """\
.card {
  --fg: #1d2127; --muted: #5c6670; --accent: #1f6feb; --bg: #ffffff;
  --code-bg: #f2f4f7; --good: #1a7f37; --bad: #c62828; --rule: #d0d7de;
  font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 18px; line-height: 1.5; color: var(--fg); background: var(--bg);
  text-align: left; max-width: 46em; margin: 0 auto; padding: 0 0.6em;
}
.card.nightMode, .nightMode .card, .night_mode .card, .card.night_mode {
  --fg: #e6e6e6; --muted: #9aa4ae; --accent: #6cb6ff; --bg: #1e1f22;
  --code-bg: #2b2d31; --good: #7ee787; --bad: #ff7b72; --rule: #444c56;
}
.meta { font-size: 0.75em; color: var(--muted); margin-bottom: 0.4em; }
.qid { font-weight: bold; margin-right: 0.8em; }
.question { font-size: 1.15em; font-weight: 600; }
hr, hr#answer { border: none; border-top: 1px solid var(--rule); margin: 0.9em 0; }
hr.lang-sep { border-top: 2px dashed var(--rule); }
.lang-label { font-size: 0.7em; text-transform: uppercase; letter-spacing: 0.08em;
  color: var(--muted); }
.label { font-weight: bold; color: var(--accent); margin-top: 0.8em; }
.section { margin-top: 0.6em; }
ul.key-points, ul.mistakes { padding-left: 1.2em; margin: 0.3em 0; }
.stars { color: #d4a000; font-size: 0.8em; }
.wrong { color: var(--bad); }
.right { color: var(--good); }
.links { font-size: 0.8em; color: var(--muted); margin-top: 0.4em; }
code, pre { font-family: "JetBrains Mono", Menlo, Consolas, monospace; font-size: 0.85em;
  background: var(--code-bg); border-radius: 4px; }
code { padding: 0 0.2em; }
pre { padding: 0.6em; overflow-x: auto; line-height: 1.25; }
pre code { background: none; padding: 0; font-size: 1em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid var(--rule); padding: 0.2em 0.5em; }
"""


def build_model():
    import genanki

    return genanki.Model(
        MODEL_ID,
        MODEL_NAME,
        fields=[{"name": name} for name in FIELD_NAMES],
        templates=[{"name": "Question → Answer", "qfmt": FRONT, "afmt": BACK}],
        css=CSS,
        sort_field_index=0,
    )


def build_decks(bank: Bank, questions: list[Question], langs: tuple[str, ...]) -> list:
    """One genanki deck per topic (only topics with selected questions)."""
    import genanki

    model = build_model()
    deck_lang = langs[0]
    decks: dict[str, genanki.Deck] = {}
    for q in questions:
        deck = decks.get(q.topic_id)
        if deck is None:
            deck = genanki.Deck(
                stable_id(f"deck:{q.topic_id}"), deck_name(bank, q.topic_id, deck_lang)
            )
            decks[q.topic_id] = deck
        fields = card_fields(q, langs, topic_title(bank, q.topic_id, deck_lang))
        deck.add_note(
            genanki.Note(
                model=model, fields=list(fields.values), tags=note_tags(q), guid=note_guid(q.id)
            )
        )
    return list(decks.values())


def _drop_default_deck(cursor: sqlite3.Cursor, current: int | None) -> None:
    """genanki writes Anki's "Default" deck (id 1) into every package; no card is in it, so
    after an import it would only sit empty in the student's deck list. The package keeps
    its own decks, the first of them as the current one."""
    decks_json, conf_json = cursor.execute("SELECT decks, conf FROM col").fetchone()
    decks, conf = json.loads(decks_json), json.loads(conf_json)
    decks.pop("1", None)
    if current is not None:
        conf["curDeck"], conf["activeDecks"] = current, [current]
    cursor.execute("UPDATE col SET decks = ?, conf = ?", (json.dumps(decks), json.dumps(conf)))


def write_apkg(
    bank: Bank,
    questions: list[Question],
    langs: tuple[str, ...],
    path: Path,
    *,
    timestamp: float | None = None,
) -> None:
    """Write the package; ``timestamp`` sets the notes' modification time (tests, builds).

    genanki's own ``write_to_file`` leaves its SQLite file behind in the
    system temp directory, so the collection is built in memory here.
    """
    import genanki

    stamp = time.time() if timestamp is None else timestamp
    decks = build_decks(bank, questions, langs)
    package = genanki.Package(decks)
    conn = sqlite3.connect(":memory:")
    try:
        cursor = conn.cursor()
        id_gen = iter(range(int(stamp * 1000), 1 << 62))
        package.write_to_db(cursor, stamp, id_gen)
        _drop_default_deck(cursor, decks[0].deck_id if decks else None)
        conn.commit()
        data = conn.serialize()
    finally:
        conn.close()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("collection.anki2", data)
        zf.writestr("media", "{}")
    Path(path).write_bytes(buf.getvalue())
