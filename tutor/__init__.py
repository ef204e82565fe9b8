"""cidl-tutor: an exam-prep tutor for Computational Intelligence and Deep Learning.

Nothing in this package imports torch at module level: the app must start
fast, and torch is loaded only when a demo runs (in its own process).
"""

__version__ = "0.1.0"
