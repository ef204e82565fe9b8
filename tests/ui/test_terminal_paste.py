"""The ctrl+s race as it happens: an unbracketed paste in a real terminal, ctrl+s 0.2 s later.

Pilot tests post keys faster than they are processed (test_submit_race.py); this one
lets the terminal do it, as a student's paste does, and reads the stored attempt.
"""

from __future__ import annotations

import sys
import time

import pytest

from tutor.store import Store

# ~3000 characters, no newlines (tmux would turn them into Enter), full of the study
# screen's hotkeys (d, l, j, k, digits) so that a leftover letter would open a screen.
WORDS = "the gradient d points uphill l so we step j against it k by 1 2 3 4 times eta"
PASTE = " ".join([WORDS] * 38)


@pytest.mark.parametrize("mode", ["study", "exam"])
def test_paste_then_ctrl_s_stores_the_whole_answer(tmux, tmp_path, mode):
    data = tmp_path / "data"
    term = tmux(
        [sys.executable, "-m", "tutor", "--data-dir", str(data)],
        size=(120, 35),
        env={"TEXTUAL_ANIMATIONS": "none"},
    )
    term.wait_for("Topic")
    if mode == "study":
        term.keys("s")
        term.wait_for("ctrl+s")  # the answer box's placeholder
    else:
        term.keys("e")
        term.wait_for("Questions")
        term.keys("Enter")  # default setup
        term.wait_for("Question 1 of")
    term.paste(PASTE)
    time.sleep(0.2)
    term.keys("C-s")
    if mode == "study":
        term.wait_for(lambda s: "Again" in s or "Ripeti" in s, timeout=30)
    else:
        term.wait_for("Question 2 of", timeout=30)
    screen = term.screen()
    assert "demos and drills" not in screen.lower()
    term.keys("C-q")
    assert term.exit_status() == 0
    store = Store.open_in(data)
    try:
        answers = [a.answer for a in store.attempts()]
    finally:
        store.close()
    assert answers == [PASTE]
