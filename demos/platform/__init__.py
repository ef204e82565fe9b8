"""The demo platform: specs, parameters, the event protocol, the run context.

What a demo file needs is importable from here without torch::

    from demos.platform import Check, Demo, Frame, RunContext, heatmap, histogram, picture

Running (:mod:`demos.platform.execute`, :mod:`demos.platform.devices`) and drawing
(:mod:`demos.platform.figures`) import torch or matplotlib and are imported by name.
The registry (:mod:`demos.platform.registry`) reads the topic packages' specs.
"""

from __future__ import annotations

from demos.platform.context import NO_CAPTION, Demo, RunContext, Throttle
from demos.platform.errors import DemoError, DeviceError, ParamError, UnknownDemo
from demos.platform.params import DEVICES, IMAGE_DATA, Kind, Param
from demos.platform.protocol import (
    Check,
    Frame,
    ProtocolError,
    curve,
    heatmap,
    histogram,
    picture,
    record_schedule,
)
from demos.platform.spec import Bilingual, DemoSpec, Plot

__all__ = [
    "DEVICES",
    "IMAGE_DATA",
    "NO_CAPTION",
    "Bilingual",
    "Check",
    "Demo",
    "DemoError",
    "DemoSpec",
    "DeviceError",
    "Frame",
    "Kind",
    "Param",
    "ParamError",
    "Plot",
    "ProtocolError",
    "RunContext",
    "Throttle",
    "UnknownDemo",
    "curve",
    "heatmap",
    "histogram",
    "picture",
    "record_schedule",
]
