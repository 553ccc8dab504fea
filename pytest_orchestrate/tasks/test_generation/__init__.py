"""The ``test_generation`` task type: test files written from the target's own sources.

``model.GeneratedTest`` is what every generator returns (TypeScript here, Python in ``python``).
"""

from __future__ import annotations

from .model import GeneratedTest

__all__ = ["GeneratedTest"]
