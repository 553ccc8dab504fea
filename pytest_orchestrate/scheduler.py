"""The DAG-aware xdist scheduler (placeholder until it lands)."""

from __future__ import annotations

import pytest


class XdistHooks:
    """xdist integration, registered only when xdist is installed."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
