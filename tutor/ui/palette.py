"""Command palette provider: jump to any question by id or by words of its text."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class QuestionProvider(Provider):
    """Ctrl+P, then type ``c.10`` or ``residual`` to open a question."""

    async def discover(self) -> Hits:
        app = self.app
        for q in app.bank.questions[:12]:
            yield DiscoveryHit(
                f"{q.id}  {q.question}", partial(app.open_question, q.id), help="open this question"
            )

    async def search(self, query: str) -> Hits:
        app = self.app
        matcher = self.matcher(query)
        q_lower = query.strip().lower()
        for q in app.bank.questions:
            label = f"{q.id}  {q.question}"
            score = 1.0 if q.id.lower() == q_lower else matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(label),
                    partial(app.open_question, q.id),
                    help="open this question",
                )
