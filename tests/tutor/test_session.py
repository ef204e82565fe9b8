"""The session core the study and exam screens stand on, without a terminal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tutor.domain import Rating, Verdict
from tutor.exam import FOLLOWUP_SHARE
from tutor.grading import Grader
from tutor.scheduling import StudyScheduler
from tutor.session import (
    NEW_ORDER_SETTING,
    WAIT_FOR,
    answer_followup,
    cram_order,
    exam_details,
    finish_exam,
    judge,
    load_submission,
    localize,
    pass_followup,
    rating_preview,
    study_queue,
    submit_answer,
)
from tutor.store import Store, StoreError

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
HALF = "We step against the gradient. The learning rate scales the step."
WRONG = "We follow the gradient uphill. The learning rate scales the step."


@pytest.fixture
def store(tmp_path):
    s = Store.open_in(tmp_path)
    yield s
    s.close()


@pytest.fixture(scope="module")
def grader(mini_bank):
    return Grader(mini_bank)


def submit(store, grader, bank, text, qid="a.01", mode="study", **kw):
    return submit_answer(
        store,
        grader,
        bank.get(qid),
        text,
        mode=mode,
        started_at=NOW,
        submitted_at=NOW + timedelta(seconds=40),
        **kw,
    )


# -- submit -------------------------------------------------------------------------------


def test_submit_grades_stores_the_grader_judgement_and_clears_the_draft(mini_bank, store, grader):
    store.save_draft("a.01", "half typed", mode="study")
    store.save_draft("a.01", "the exam's own draft", mode="exam")
    sub = submit(store, grader, mini_bank, HALF)
    (att,) = store.attempts("a.01")
    assert att.id == sub.attempt_id and att.answer == HALF and att.mode == "study"
    assert att.grade == sub.grader.to_dict() and att.student is None
    assert att.score == pytest.approx(sub.score, abs=1e-4)
    assert store.draft("a.01", mode="study") == ""
    assert store.draft("a.01", mode="exam") == "the exam's own draft"  # other modes untouched
    assert sub.result == sub.grader and not sub.judged
    # the one missed point is offered as the examiner's follow-up
    assert [f.point_id for f in sub.pending()] == ["noise"]


def test_a_draft_that_cannot_be_cleared_does_not_undo_the_submission(
    mini_bank, store, grader, monkeypatch
):
    def locked(*args, **kwargs):
        raise StoreError("progress database is locked")

    monkeypatch.setattr(store, "clear_draft", locked)
    sub = submit(store, grader, mini_bank, HALF)
    assert [n.message for n in sub.notes] == ["progress database is locked"]
    assert [a.answer for a in store.attempts()] == [HALF]


def test_show_answer_is_recorded_as_revealed_not_as_a_failed_attempt(mini_bank, store, grader):
    store.save_draft("a.01", "I think it is", mode="cram")
    sub = submit(store, grader, mini_bank, "I think it is", mode="cram", reveal=True)
    (att,) = store.attempts()
    assert att.grade["revealed"] is True
    assert att.score is None and att.verdict is None and att.suggested_rating is None
    assert sub.revealed and sub.result is None and sub.suggested is None and not sub.pending()
    assert store.draft("a.01", mode="cram") == ""


# -- the student's last word --------------------------------------------------------------


def test_toggling_a_point_moves_score_verdict_and_rating_and_stores_both_judgements(
    mini_bank, store, grader
):
    sub = submit(store, grader, mini_bank, HALF)
    before = sub.result
    noise = next(p for p in before.points if p.id == "noise")
    assert not noise.hit
    covered = judge(store, sub, points=["noise"])
    assert covered.result.score > before.score
    assert covered.result.suggested_rating == Rating.EASY  # every point, no penalty
    assert next(p for p in covered.result.points if p.id == "noise").hit
    (att,) = store.attempts()
    assert att.grade == sub.grader.to_dict()  # the grader's own judgement is kept
    assert att.student["covered"] == ["noise"]
    assert att.student["score"] == pytest.approx(covered.result.score, abs=1e-4)
    assert att.student["suggested_rating"] == "easy"
    back = judge(store, covered, points=["noise"])  # toggled back: the grader's again
    assert back.result.score == pytest.approx(before.score)
    assert store.attempts()[0].student["covered"] == []


def test_a_partly_stated_point_cycles_covered_missed_and_back(mini_bank, store, grader):
    sub = submit(store, grader, mini_bank, "We step against the gradient.")
    status = lambda s: next(p for p in s.result.points if p.id == "lr").status  # noqa: E731
    assert status(sub) == "partial"
    first = sub.toggled_point("lr")
    second = first.toggled_point("lr")
    third = second.toggled_point("lr")
    assert [status(s) for s in (first, second, third)] == ["hit", "missed", "partial"]
    assert third.result.score == pytest.approx(sub.result.score)


def test_dismissing_a_flagged_statement_lifts_its_penalty(mini_bank, store, grader):
    sub = submit(store, grader, mini_bank, WRONG)
    assert [m.id for m in sub.result.misconceptions] == ["uphill"]
    assert sub.result.verdict != Verdict.CORRECT
    cleared = judge(store, sub, statements=["uphill"])
    assert cleared.result.score > sub.result.score
    assert not any(p.kind == "misconception" for p in cleared.result.penalties)
    assert store.attempts()[0].student["dismissed"] == ["uphill"]
    # unknown ids change nothing and write nothing
    assert judge(store, cleared, statements=["no-such-thing"]) is cleared


def test_the_card_in_the_other_language_has_the_same_score(mini_bank, store, grader):
    sub = judge(store, submit(store, grader, mini_bank, WRONG), points=["noise"])
    italian = sub.card("it")
    assert italian.score == pytest.approx(sub.result.score)
    assert italian.verdict == sub.result.verdict
    assert italian.points[0].text == "Contro il gradiente."
    assert "Punti chiave coperti" in italian.feedback
    assert italian.misconceptions[0].correction == "Contro."
    assert localize(sub.grader, mini_bank.get("a.01"), sub.grader.lang) is sub.grader


# -- follow-ups ---------------------------------------------------------------------------


def test_a_followup_that_states_the_point_earns_part_of_its_weight(mini_bank, store, grader):
    sub = submit(store, grader, mini_bank, HALF)
    (follow,) = sub.pending()
    store.save_draft("a.01", "minib", mode="followup")
    asked = answer_followup(
        store, grader, sub, follow, "Minibatches give a noisy estimate of the gradient.", "en"
    )
    weights = {p.id: p.weight for p in sub.result.points}
    gain = FOLLOWUP_SHARE * weights["noise"] / sum(weights.values())
    assert asked.result.score == pytest.approx(sub.result.score + gain)
    assert asked.asked[0].hit and not asked.pending()
    stored = store.attempts()[0].student["followups"]
    assert stored[0]["point"] == "noise" and stored[0]["answer"].startswith("Minibatches")
    assert stored[0]["probe"] == follow.probe("en")
    assert store.draft("a.01", mode="followup") == ""


def test_no_followups_for_a_blank_or_a_text_that_is_not_an_answer(mini_bank, store, grader):
    assert not submit(store, grader, mini_bank, "   ").pending()
    pasted = submit(store, grader, mini_bank, mini_bank.get("a.01").question)
    assert pasted.result.not_answer == "pasted-question" and not pasted.pending()


def test_a_followup_that_misses_costs_nothing(mini_bank, store, grader):
    sub = submit(store, grader, mini_bank, HALF)
    (follow,) = sub.pending()
    asked = answer_followup(store, grader, sub, follow, "I do not remember.", "en")
    assert not asked.asked[0].hit
    assert asked.result.score == pytest.approx(sub.result.score)


def test_a_passed_followup_is_stored_as_asked_and_keeps_its_draft(mini_bank, store, grader):
    sub = submit(store, grader, mini_bank, HALF)
    (follow,) = sub.pending()
    store.save_draft("a.01", "mini", mode="followup")
    passed = pass_followup(store, grader, sub, follow, "it")
    assert [(a.point_id, a.hit, a.answer) for a in passed.asked] == [("noise", False, "")]
    assert passed.asked[0].probe == follow.probe("it") and not passed.pending()
    assert passed.result.score == pytest.approx(sub.result.score)
    again = load_submission(store.attempts()[0], mini_bank.get("a.01"))
    assert [a.point_id for a in again.asked] == ["noise"] and not again.asked[0].hit
    assert store.draft("a.01", mode="followup") == "mini"


def test_a_stored_attempt_comes_back_as_the_same_card(mini_bank, store, grader):
    sub = submit(store, grader, mini_bank, WRONG)
    sub = judge(store, sub, statements=["uphill"])
    (follow,) = [f for f in sub.pending() if f.point_id == "noise"]
    sub = answer_followup(store, grader, sub, follow, "Minibatch noise: a noisy estimate.", "en")
    again = load_submission(store.attempts()[0], mini_bank.get("a.01"))
    assert again.result.score == pytest.approx(sub.result.score)
    assert again.dismissed == {"uphill"} and [a.point_id for a in again.asked] == ["noise"]
    revealed = submit(store, grader, mini_bank, "", qid="a.02", reveal=True)
    assert load_submission(store.attempts("a.02")[0], mini_bank.get("a.02")).revealed
    assert revealed.revealed


# -- the queue ----------------------------------------------------------------------------


def test_new_questions_alternate_topics_unless_the_setting_keeps_bank_order(mini_bank, store):
    sched = StudyScheduler(mini_bank, store, new_per_day=6, fuzz=False)
    queue = sched.queue(NOW, interleave=True)
    topics = [mini_bank.get(q).topic_id for q in queue.new]
    assert topics == ["a", "b", "c", "d", "a", "b"]
    assert study_queue(sched, NOW, skip={"a.01"}).next_id == "b.01"  # the default
    sched.review("a.01", "good", now=NOW)
    sched.review("a.02", "good", now=NOW)
    after = sched.queue(NOW, interleave=True)
    assert after.new == ["b.01", "c.01", "d.01", "b.02"]  # topic a waits for the others
    store.set_setting(NEW_ORDER_SETTING, "bank")
    assert study_queue(sched, NOW).next_id == "a.03"


def test_an_again_card_comes_back_in_the_same_sitting(mini_bank, store):
    sched = StudyScheduler(mini_bank, store, new_per_day=1, fuzz=False)
    assert study_queue(sched, NOW).next_id == "a.01"
    sched.review("a.01", "again", now=NOW)
    done = study_queue(sched, NOW)
    assert done.next_id is None and done.due == 0 and done.new == 0
    assert NOW < done.next_due <= NOW + WAIT_FOR
    wait = done.wait(NOW)
    assert wait == done.next_due - NOW
    later = NOW + wait
    assert study_queue(sched, later).next_id == "a.01"
    sched.review("a.01", "easy", now=later)
    far = study_queue(sched, later)
    assert far.next_due - later > WAIT_FOR and far.wait(later) is None


def test_cram_order_covers_the_topics_once_and_depends_on_the_seed(mini_bank):
    ids = cram_order(mini_bank, {"a", "c"}, seed=1)
    assert sorted(ids) == sorted(q.id for q in mini_bank.questions if q.topic_id in "ac")
    assert ids == cram_order(mini_bank, {"a", "c"}, seed=1)
    assert ids != cram_order(mini_bank, {"a", "c"}, seed=2)


def test_rating_preview_names_every_rating(mini_bank, store):
    sched = StudyScheduler(mini_bank, store, fuzz=False)
    preview = rating_preview(sched, "a.01", NOW)
    assert list(preview) == list(Rating)
    assert preview[Rating.AGAIN] < preview[Rating.EASY]


# -- exams --------------------------------------------------------------------------------


def test_exam_points_mean_the_same_in_an_exam_of_any_length(mini_bank, store, grader):
    one = submit(store, grader, mini_bank, HALF, mode="exam")
    other = submit(store, grader, mini_bank, WRONG, qid="b.01", mode="exam")
    alone = exam_details([one])
    pair = exam_details([one, other])
    assert alone["breakdown"][0]["points"] == pair["breakdown"][0]["points"]
    assert alone["mark"] == round(alone["breakdown"][0]["points"])
    points = [row["points"] for row in pair["breakdown"]]
    assert pair["mark"] == round(sum(points) / len(points))


def test_the_exam_mark_counts_followups_and_overrides(mini_bank, store, grader):
    exam_id = store.start_exam(1, None, NOW)
    sub = submit(store, grader, mini_bank, HALF, mode="exam", exam_id=exam_id)
    plain = exam_details([sub])
    (follow,) = sub.pending()
    asked = answer_followup(store, grader, sub, follow, "Minibatches give a noisy estimate.", "en")
    with_followup = finish_exam(store, exam_id, [asked], NOW)
    assert with_followup.error is None
    assert with_followup.details["breakdown"][0]["points"] > plain["breakdown"][0]["points"]
    assert with_followup.details["breakdown"][0]["followups"] == [{"point": "noise", "hit": True}]
    (record,) = store.exams()
    assert record.mark == with_followup.details["mark"]
    judged = judge(store, asked, points=["dir"])  # the student says dir was not there
    assert exam_details([judged])["mark"] < with_followup.details["mark"]


def test_an_exam_result_that_cannot_be_stored_still_has_its_mark(
    mini_bank, store, grader, monkeypatch
):
    sub = submit(store, grader, mini_bank, HALF, mode="exam")

    def full(*args, **kwargs):
        raise StoreError("disk full")

    monkeypatch.setattr(store, "finish_exam", full)
    outcome = finish_exam(store, 1, [sub], NOW)
    assert outcome.error.message == "disk full" and outcome.details["mark"] > 0
