"""Widgets shared by the screens: the answer box, a text field that keeps typed keys in
order, and small renderers (the question header, an interval, an error). The grade card
is in :mod:`tutor.ui.card`."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, TextArea

from quizbank import Question
from tutor.errors import TutorError
from tutor.i18n import grade as T
from tutor.i18n import render as R
from tutor.mathtext import render_markdown_math
from tutor.render import localized

__all__ = [
    "AnswerArea",
    "OrderedInput",
    "error_text",
    "format_interval",
    "question_text",
    "run_own_binding",
]


def format_interval(seconds: float, lang: str = "en") -> str:
    """1m, 10m, 3h, 4d, 2mo: the interval a rating would give."""
    if seconds < 3600:
        return T.MINUTES(lang, n=max(1, round(seconds / 60)))
    if seconds < 86400:
        return T.HOURS(lang, n=round(seconds / 3600))
    if seconds < 86400 * 60:
        return T.DAYS(lang, n=round(seconds / 86400))
    return T.MONTHS(lang, n=round(seconds / (86400 * 30)))


def question_text(q: Question, lang: str) -> Text:
    """The official question, its Italian rendering beneath it in Italian, and the
    context it leaves unsaid (a.12's "that CG"): compact, for a pinned header."""
    out = Text(f"{q.id} — {render_markdown_math(q.question)}", style="bold")
    if lang == "it" and q.question_it:
        out.append("\n" + render_markdown_math(q.question_it), style="italic")
    context = localized(q.context, lang)
    if context:
        out.append(f"\n{R.CONTEXT(lang)}: ", style="bold cyan")
        out.append(render_markdown_math(context))
    return out


def error_text(error: BaseException | None, lang: str) -> str:
    """What went wrong, in ``lang`` when the error carries its catalogue text."""
    if isinstance(error, TutorError):
        return error.render(lang)
    return str(error) if error is not None else ""


async def run_own_binding(widget: Widget, event: events.Key) -> bool:
    """Run ``widget``'s own binding for ``event`` now, in the order the keys came.

    Textual inserts a typed character as the key reaches the focused widget, but runs a
    bound key (backspace, arrows, ctrl+w, enter in a field) only after the key has
    bubbled up to the app (Textual issue #6605). Keys that arrive together, as from a
    fast typist, a remote terminal or a key macro, are then applied out of order: with
    the exam setup's "4" selected, backspace, 2, enter gave "" and an exam of the
    default 4 questions. Bindings of the screen and app still bubble as before.
    """
    if event.is_printable:
        return False
    for binding in widget._bindings.key_to_bindings.get(event.key, ()):
        if binding.priority:
            continue  # the app ran those before the key got here
        if await widget.app.run_action(binding.action, widget):
            event.stop()
            event.prevent_default()
            return True
    return False


class OrderedInput(Input):
    """A text field whose editing keys run in the order they were typed."""

    async def _on_key(self, event: events.Key) -> None:
        await super()._on_key(event)
        if not event._stop_propagation:
            await run_own_binding(self, event)


class AnswerArea(TextArea):
    """The answer box: hands over its text only once every key typed before the request is in.

    A priority binding such as ctrl+s runs as soon as the app reads the key, while the
    keys before it still wait in this widget's queue (a fast paste, a burst of typing).
    So a screen never reads ``text`` on a command: it calls :meth:`request`, and this
    widget answers with :class:`Ready` from its own queue, after those keys. Once
    locked (read-only), typed characters are swallowed here instead of bubbling up to
    the screen, where they would run as hotkeys.
    """

    @dataclass
    class _Flush(Message, bubble=False):
        purpose: str
        lock: bool

    @dataclass
    class Ready(Message):
        """The complete text, for ``purpose`` ("submit", "reveal", "skip", "draft", …)."""

        area: AnswerArea
        purpose: str
        text: str

        @property
        def control(self) -> AnswerArea:
            return self.area

    def request(self, purpose: str, *, lock: bool = False) -> None:
        """Ask for the text once the queued keys are typed; ``lock`` makes it read-only then."""
        self.post_message(self._Flush(purpose, lock))

    def _on_answer_area__flush(self, message: _Flush) -> None:
        if message.lock:
            self.read_only = True
        self.post_message(self.Ready(self, message.purpose, self.text))

    async def _on_key(self, event: events.Key) -> None:
        if self.read_only and (event.is_printable or event.key in ("enter", "tab", "space")):
            event.stop()  # a character typed into a locked answer is not a command
            event.prevent_default()
            return
        await super()._on_key(event)
        if not event._stop_propagation:
            await run_own_binding(self, event)  # backspace, arrows: in typing order
