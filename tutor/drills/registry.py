"""The drill registry: names are the contract of ../shared/catalogue.md."""

from __future__ import annotations

from tutor.drills import (
    cg_forward,
    cg_reverse,
    conv_shape,
    iou_nms,
    rnn_params,
    sgd_step,
    tensor_shapes,
    vq_assign,
)
from tutor.drills.base import Drill

_DRILLS: dict[str, Drill] = {
    m.DRILL.name: m.DRILL
    for m in (
        cg_reverse,
        cg_forward,
        sgd_step,
        tensor_shapes,
        conv_shape,
        rnn_params,
        vq_assign,
        iou_nms,
    )
}


def names() -> list[str]:
    return list(_DRILLS)


def get(name: str) -> Drill:
    """Raises KeyError for an unknown drill name."""
    try:
        return _DRILLS[name]
    except KeyError:
        raise KeyError(name) from None


def all_drills() -> list[Drill]:
    return list(_DRILLS.values())
