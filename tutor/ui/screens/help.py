"""Help: every key of every screen, in one place."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# cidl-tutor — keys

## Everywhere
| key | action |
| --- | --- |
| `?` / `F1` | this help |
| `ctrl+p` | command palette: type an id (`c.10`) or words to jump to a question |
| `q` | quit (on the home screen) |
| `escape` | back |

## Home
| key | action |
| --- | --- |
| `s` | study: due reviews first, then today's new questions |
| `enter` | study the selected topic only |
| `c` | cram the selected topic: practice without touching the schedule |
| `e` | exam simulation (mark out of 30) |
| `b` | browse and search every question |
| `t` | statistics |
| `m` / `r` | demos / drills |
| `x` | export flashcards |
| `l` | answers in English / Italian |
| `j` / `k` | move down / up |

## Study
| key | action |
| --- | --- |
| `ctrl+s` | submit your answer for grading |
| `ctrl+r` | show the answer without answering (or `space` outside the text box) |
| `1` `2` `3` `4` | rate Again / Hard / Good / Easy (the grader's suggestion is highlighted) |
| `enter` | accept the suggested rating |
| `l` | model answer in the other language |
| `d` | demos and drills for this question |
| `ctrl+n` | skip this question for now |
| `escape` | leave the text box; again to go back (your draft is kept) |

Every attempt is saved when it is graded, and the rating before the next question appears.

## Exam
Answer each question and press `ctrl+s`; with a time limit, the answer is
submitted when the time runs out. The mark is the mean score scaled to 30
(18 to pass; 30 e lode needs every answer correct).
"""


class HelpScreen(ModalScreen):
    """A modal sheet of key bindings."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(HELP)
