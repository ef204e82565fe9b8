"""`tutor demo run` prints the run's caption ("what to look for") in the chosen --lang."""

from __future__ import annotations

import pytest

from tutor.cli import main

CAPTION = {"en": "the gate closes at step 40", "it": "la porta si chiude al passo 40"}


@pytest.fixture
def canned_run(monkeypatch):
    """execute() that emits only an end event carrying a caption."""
    import demos.platform.execute as execute_module

    def fake(name, params=None, *, emit, **kw):
        end = {
            "type": "end",
            "demo": name,
            "steps": 3,
            "seconds": 0.1,
            "device": "cpu",
            "steps_per_second": 30.0,
            "metrics": {"loss": 0.5},
            "checks": [{"name": "learning", "passed": True, "detail": "ok"}],
            "passed": True,
            "caption": CAPTION,
            "outputs": [],
        }
        emit(end)
        return end

    monkeypatch.setattr(execute_module, "execute", fake)


@pytest.mark.parametrize("lang", ["en", "it"])
def test_the_caption_is_printed_in_the_chosen_language(lang, canned_run, tmp_path, capsys):
    code = main(["--data-dir", str(tmp_path), "demo", "run", "gru-gates", "--lang", lang])
    out = capsys.readouterr().out
    label = {"en": "what to look for: ", "it": "cosa osservare: "}[lang]
    other = CAPTION["it" if lang == "en" else "en"]
    assert code == 0 and label + CAPTION[lang] in out and other not in out
