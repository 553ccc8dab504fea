"""Source analysis without running the code: tree-sitter for TypeScript/JavaScript.

Imports only ``errors`` and third-party parsers; nothing here knows pytest or the roadmap.
"""

from __future__ import annotations
