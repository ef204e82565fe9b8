"""``python -m demos.run``: the demo process the app starts (see :mod:`demos.platform.run`)."""

from __future__ import annotations

import sys

from demos.platform.run import main

if __name__ == "__main__":
    sys.exit(main())
