"""The errors a demo request can end in before anything runs.

Each one carries a message that fits on one line, names the offending value and says
what would be accepted, so the CLI and the app can show it as it is.
"""

from __future__ import annotations


class DemoError(Exception):
    """A run cannot start or go on: bad parameter, unknown demo, unavailable device."""


class ParamError(DemoError):
    """A parameter value is malformed or out of range; the message names both."""


class DeviceError(DemoError):
    """The requested device is not available in this torch build or on this machine."""


class UnknownDemo(DemoError):
    """No demo has this name."""
