"""Random YAML and bytes never make the loader raise anything but its own errors."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizbank import BankError, load_bank, validate
from quizbank.yamlsrc import YamlError, load_located

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
yaml_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "question",
                    "kind",
                    "answer",
                    "key_points",
                    "terms",
                    "en",
                    "it",
                    "topic",
                    "title",
                    "questions",
                    "bank",
                    "weight",
                    "text",
                    "see_also",
                    "demos",
                    "x",
                ]
            ),
            children,
            max_size=5,
        ),
    ),
    max_leaves=25,
)


def _load_dir_with(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "fuzz"
        d.mkdir()
        (d / "t.yaml").write_bytes(data)
        with contextlib.suppress(BankError):
            load_bank([d], include_builtin=False)
        for p in validate([d], include_builtin=False):
            assert p.line >= 1 and p.column >= 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    _load_dir_with(data)
    with contextlib.suppress(YamlError):
        load_located(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yaml_values)
def test_random_yaml_structures(value) -> None:
    _load_dir_with(yaml.safe_dump(value, allow_unicode=True).encode())


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="{}[]:-!&*|>'\"#%@`,? \n\tabc01", max_size=120))
def test_random_yaml_syntax(text: str) -> None:
    _load_dir_with(text.encode())
