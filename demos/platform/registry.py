"""Every demo, by the names of ``shared/catalogue.md``, read from the topic packages' specs.

The topic packages (``demos.a_autograd_sgd`` … ``demos.h_advanced``) each export
``SPECS``; their ``__init__`` modules import neither torch nor a demo module, so listing
is cheap and safe on the app's UI thread. :func:`load` imports an implementation only
to run it.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from types import MappingProxyType
from typing import TYPE_CHECKING

from demos.platform.errors import UnknownDemo
from demos.platform.spec import DemoSpec

if TYPE_CHECKING:
    from collections.abc import Mapping

    from demos.platform.context import Demo

TOPICS = (
    "a_autograd_sgd",
    "b_tensors_pytorch",
    "c_cnn",
    "d_rnn",
    "e_autoencoders",
    "f_vq_vae",
    "g_gans",
    "h_advanced",
)


@cache
def specs() -> Mapping[str, DemoSpec]:
    """name → spec, in catalogue order (topic by topic)."""
    out: dict[str, DemoSpec] = {}
    for topic in TOPICS:
        for spec in import_module(f"demos.{topic}").SPECS:
            if spec.name in out:
                raise ValueError(f"demo {spec.name!r} is declared twice")
            if not spec.module.startswith(f"demos.{topic}."):
                raise ValueError(f"{spec.name}: {spec.impl} is outside demos.{topic}")
            out[spec.name] = spec
    return MappingProxyType(out)


def names() -> list[str]:
    return list(specs())


def spec(name: str) -> DemoSpec:
    try:
        return specs()[name]
    except KeyError:
        raise UnknownDemo(f"unknown demo {name!r} (available: {', '.join(specs())})") from None


def load(name: str) -> type[Demo]:
    """The implementation class of a demo (imports torch), with its spec attached."""
    found = spec(name)
    module, _, attr = found.impl.partition(":")
    cls = getattr(import_module(module), attr)
    cls.spec = found
    return cls
