"""Command palette provider: jump to any question by id, by words of its text or of its answer."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tutor.i18n import browse as T
from tutor.search import Where, search

#: Palette score of a word match by where it was found, plus up to ``_COUNT_BONUS`` for
#: how often the words occur; a fuzzy match (a typo, letters skipped) only ranks below
#: every word match, at up to ``_FUZZY_WEIGHT``.
_WHERE_SCORE = {
    Where.ID: 1.0,
    Where.ID_PREFIX: 0.9,
    Where.QUESTION: 0.7,
    Where.KEY_POINTS: 0.5,
    Where.ANSWER: 0.3,
}
_COUNT_BONUS = 0.1
_FUZZY_WEIGHT = 0.25
_WHERE_HELP = {
    Where.ID: T.OPEN_QUESTION,
    Where.ID_PREFIX: T.OPEN_QUESTION,
    Where.QUESTION: T.FOUND_IN_QUESTION,
    Where.KEY_POINTS: T.FOUND_IN_POINTS,
    Where.ANSWER: T.FOUND_IN_ANSWER,
}
#: Questions offered before anything is typed.
DISCOVER = 12


class QuestionProvider(Provider):
    """Ctrl+P, then type ``c.10``, ``residual`` or ``mode collapse`` to open a question."""

    def _label(self, qid: str) -> str:
        q = self.app.bank.get(qid)
        return f"{q.id}  {q.question_text(self.app.lang)}"

    async def discover(self) -> Hits:
        app = self.app
        for q in app.bank.questions[:DISCOVER]:
            yield DiscoveryHit(
                self._label(q.id),
                partial(app.open_question, q.id),
                help=T.OPEN_QUESTION(app.lang),
            )

    async def search(self, query: str) -> Hits:
        app = self.app
        matcher = self.matcher(query)
        found = {f.qid: f for f in search(app.bank, query)}
        for q in app.bank.questions:
            label = self._label(q.id)
            hit = found.get(q.id)
            if hit is not None:
                score = _WHERE_SCORE[hit.where] + _COUNT_BONUS * min(hit.count, 20) / 20
                help_text = _WHERE_HELP[hit.where](app.lang)
            else:
                score = _FUZZY_WEIGHT * matcher.match(label)
                help_text = T.OPEN_QUESTION(app.lang)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(label),
                    partial(app.open_question, q.id),
                    help=help_text,
                )
