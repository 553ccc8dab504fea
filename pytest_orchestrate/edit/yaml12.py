"""YAML 1.2 core rules on PyYAML's fast libyaml parser.

PyYAML follows YAML 1.1, where ``on:``, ``yes`` and ``no`` are booleans; GitHub and ruamel follow
1.2, where only true/false are. ruamel's round-trip parser is pure Python and about 20x slower, so
plain reads (roadmaps, workflow checks) use this loader, and ruamel is kept for edits.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _FastSafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _FastSafeLoader  # type: ignore[assignment]  # same interface, pure Python


class CoreLoader(_FastSafeLoader):
    """PyYAML's fast (libyaml) parser with YAML 1.2 core scalars: only true/false are
    booleans, `on:` stays a string."""

    # Our own table, so that PyYAML's YAML 1.1 resolvers (yes/no/on/off booleans, 1:20
    # sexagesimals) are not inherited.
    yaml_implicit_resolvers = {}  # PyYAML keeps this table on the class

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        # PyYAML lets a later duplicate key win silently; GitHub rejects duplicates, and a
        # bad splice could make one.
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r}",
                    key_node.start_mark,
                )
            if isinstance(key, Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_core_int(self, node: yaml.ScalarNode) -> int:
        text = str(self.construct_scalar(node))
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("+-")
        # Base 0 reads 0o/0x prefixes; a plain "010" is decimal in YAML 1.2,
        # which base 0 would reject.
        return sign * int(digits, 0 if digits.startswith(("0o", "0x")) else 10)


for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("merge", r"^(?:<<)$", "<"),
):
    CoreLoader.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first)
    )
CoreLoader.add_constructor("tag:yaml.org,2002:int", CoreLoader.construct_core_int)
