"""Where the real data sets read by the tests live: ../shared beside the repo, or ABM_SHARED_DIR."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ABM_SHARED_DIR", REPO.parent / "shared"))
ENRON = SHARED / "data" / "enron-f500"
