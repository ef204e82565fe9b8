"""The .apkg export checked with Anki's own backend: import, fields, tags, re-import updates.

The ``anki`` package (PyPI, Anki's Rust backend) is an optional test
dependency; without it only the genanki-level checks run.
"""

from __future__ import annotations

import sqlite3
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_export_support import ANSWER_EN, load, write_bank

from tutor.export import export
from tutor.export.anki import MODEL_ID, note_guid, stable_id
from tutor.export.common import map_math

T0 = 1_700_000_000.0


@pytest.fixture
def bank_dir(tmp_path):
    return write_bank(tmp_path / "bank")


def anki_or_skip():
    return pytest.importorskip(
        "anki.collection",
        reason="the optional 'anki' test dependency (pip install anki) is not installed "
        "or does not import on this platform",
        exc_type=ImportError,
    )


def import_apkg(col, path: Path):
    """Anki's import with the update mode its GUI uses: update notes if the file is newer."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition as Update

    newer = Update.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER
    options = ImportAnkiPackageOptions(
        merge_notetypes=True, update_notes=newer, update_notetypes=newer
    )
    return col.import_anki_package(
        ImportAnkiPackageRequest(package_path=str(path), options=options)
    ).log


@pytest.fixture
def collection(tmp_path):
    mod = anki_or_skip()
    col = mod.Collection(str(tmp_path / "collection.anki2"))
    yield col
    col.close()


def math_spans(markdown: str) -> list[bool]:
    """``display`` flag of every math span in the source."""
    found: list[bool] = []
    map_math(markdown, lambda tex, display: found.append(display) or "")
    return found


def test_ids_are_stable_and_distinct():
    assert stable_id("deck:a") == stable_id("deck:a") != stable_id("deck:b")
    assert 1 << 30 <= MODEL_ID < 1 << 31
    assert note_guid("a.01") == note_guid("a.01") != note_guid("a.02")


def test_package_is_a_clean_zip_with_one_note_per_question(bank_dir, tmp_path):
    bank = load(bank_dir)
    out = tmp_path / "deck.apkg"
    export(bank, out, timestamp=T0)
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["collection.anki2", "media"]
        db = tmp_path / "c.anki2"
        db.write_bytes(zf.read("collection.anki2"))
    con = sqlite3.connect(db)
    try:
        guids = [g for (g,) in con.execute("select guid from notes")]
    finally:
        con.close()
    assert sorted(guids) == sorted(note_guid(q.id) for q in bank.questions)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bank", "c.anki2", "deck.apkg"]


def test_anki_imports_notes_fields_tags_decks(bank_dir, tmp_path, collection):
    bank = load(bank_dir)
    out = tmp_path / "deck.apkg"
    result = export(bank, out, topics=["x"], ids=["y.02"], timestamp=T0)
    log = import_apkg(collection, out)
    assert len(log.new) == result.questions == 3 and collection.note_count() == 3
    decks = {d.name for d in collection.decks.all_names_and_ids()}
    assert {"CIDL", "CIDL::x Topic x title", "CIDL::y Topic y title"} <= decks
    note = collection.get_note(collection.find_notes('"Id:x.01"')[0])
    assert note.note_type()["name"] == "cidl-tutor question"
    assert {"Id", "Topic", "Question", "Answer", "KeyPoints", "Demos"} <= set(note.keys())
    assert "\\(\\nabla_\\theta L\\)" in note["Answer"] and "\\[" in note["Answer"]
    assert "$\\nabla" not in note["Answer"] and "&lt;script&gt;" in note["Answer"]
    assert note["KeyPoints"].count("<li") == 3 and "sgd-descent" in note["Demos"]
    assert set(note.tags) == {"cidl-tutor", "cidl::topic::x", "cidl::kind::open"}
    assert collection.find_notes("tag:cidl::kind::exercise") == collection.find_notes(
        '"Id:x.02" or "Id:y.02"'
    )
    # the card renders with Anki's template engine: back shows answer and key points
    back = note.cards()[0].answer()
    assert "Why &lt;b&gt;step" in back and "Key points" in back and "Common mistakes" in back


def test_reimport_of_improved_export_updates_instead_of_duplicating(tmp_path, bank_dir, collection):
    first = tmp_path / "v1.apkg"
    export(load(bank_dir), first, timestamp=T0)
    import_apkg(collection, first)
    assert collection.note_count() == 4
    nid = collection.find_notes('"Id:y.01"')[0]
    # the answer improves in the bank; the student re-exports and re-imports
    write_bank(bank_dir, ANSWER_EN.replace("points uphill", "points uphill, IMPROVED,"))
    second = tmp_path / "v2.apkg"
    export(load(bank_dir), second, lang="both", timestamp=T0 + 3600)
    log = import_apkg(collection, second)
    assert (len(log.new), len(log.updated)) == (0, 4)
    assert collection.note_count() == 4 and collection.card_count() == 4
    note = collection.get_note(nid)
    assert "IMPROVED" in note["Answer"] and "Il gradiente" in note["Answer"]


def test_csv_imports_into_anki_with_guids_and_tags(bank_dir, tmp_path, collection):
    from anki.collection import ImportCsvRequest

    bank = load(bank_dir)
    out = tmp_path / "cards.tsv"
    export(bank, out)
    meta = collection.get_csv_metadata(path=str(out), delimiter=None)
    assert meta.is_html and meta.tags_column == 4 and meta.guid_column == 2
    meta.global_notetype.field_columns[:] = [6, 7]  # Basic: Front = question, Back = answer
    log = collection.import_csv(ImportCsvRequest(path=str(out), metadata=meta)).log
    assert len(log.new) == len(bank) == collection.note_count()
    note = collection.get_note(collection.find_notes("tag:cidl::topic::y")[0])
    assert note.guid in {note_guid("y.01"), note_guid("y.02")}
    assert "\\(" in note.fields[1]


def test_full_builtin_bank_imports(tmp_path, collection):
    from quizbank import load_bank

    bank = load_bank()
    out = tmp_path / "cidl.apkg"
    export(bank, out, lang="both")
    log = import_apkg(collection, out)
    assert len(log.new) == len(bank) == collection.note_count()
    topics = {t.id for t in bank.topics}
    decks = {d.name for d in collection.decks.all_names_and_ids()}
    assert len([d for d in decks if d.startswith("CIDL::")]) == len(topics)
    for q in bank.questions:
        (nid,) = collection.find_notes(f'"Id:{q.id}"')
        answer = collection.get_note(nid)["Answer"]
        spans = math_spans(q.answer["en"]) + math_spans(q.answer["it"])
        assert answer.count("\\(") == spans.count(False), q.id
        assert answer.count("\\[") == spans.count(True), q.id
