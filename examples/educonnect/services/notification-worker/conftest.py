"""Makes this service's package importable in its tests, whichever directory
pytest is started from and whichever --import-mode is in use."""

import sys
from pathlib import Path

_SERVICE_ROOT = str(Path(__file__).resolve().parent)
if _SERVICE_ROOT not in sys.path:
    sys.path.insert(0, _SERVICE_ROOT)
