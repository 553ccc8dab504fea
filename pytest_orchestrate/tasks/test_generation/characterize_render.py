"""Jest code for kept probe calls: inputs, configured mocks, expectations pinning today's results.

Input nodes (``probe_values``) become literals, mocks become plain objects of ``jest.fn()`` holding
only the members the call used; serialised observations (``probe.js``) become ``toEqual``
expectations, with ``expect.any(...)`` where a value varied between probe passes. It writes no
files and runs nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Node = Mapping[str, Any]
_IDENT = re.compile(r"^[A-Za-z_$][\w$]*$")


def js(value: Any) -> str:
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def key(name: str) -> str:
    return name if _IDENT.match(name) else js(name)


def member(base: str, name: str) -> str:
    return f"{base}.{name}" if _IDENT.match(name) else f"{base}[{js(name)}]"


def input_code(node: Node) -> str:
    """A value node as a TS/JS expression."""
    t = node["t"]
    if t == "undef":
        return "undefined"
    if t == "lit":
        return js(node["v"])
    if t == "arr":
        return "[" + ", ".join(input_code(i) for i in node["items"]) + "]"
    if t == "obj":
        return (
            "{ " + ", ".join(f"{key(k)}: {input_code(v)}" for k, v in node["fields"].items()) + " }"
        )
    if t == "date":
        return f"new Date({js(node['iso'])})"
    if t == "err":
        return f"new Error({js(node['msg'])})"
    if t == "mock":
        return str(node["label"])
    if t == "resolve":
        return f"Promise.resolve({input_code(node['v'])})"
    if t == "new":
        args = ", ".join(input_code(a) for a in node["args"])
        return f"new {member(class_module_label(node['file']), node['name'])}({args})"
    return "undefined"


def impl_code(node: Node, ts: bool) -> str:
    """A function that answers as the probe's scenario did, with a fresh value on every call."""
    rest = "...args: any[]" if ts else "...args"
    t = node["t"]
    if t == "self":
        return "function (this: any) { return this; }" if ts else "function () { return this; }"
    if t == "echo":
        prefix = "async " if node.get("async") else ""
        return f"{prefix}({rest}) => args[{node['i']}]"
    if t == "resolve":
        return f"async () => ({input_code(node['v'])})"
    if t == "reject":
        return f"async () => {{ throw {input_code(node['v'])}; }}"
    if t == "throw":
        return f"() => {{ throw {input_code(node['v'])}; }}"
    if t == "undef":
        return "() => undefined"
    return f"() => ({input_code(node)})"


def answer_code(node: Node, ts: bool) -> str:
    """A ``jest.fn(...)`` answering as the probe's scenario did."""
    return "jest.fn()" if node["t"] == "undef" else f"jest.fn({impl_code(node, ts)})"


def expected(value: Any) -> str:
    """A serialised observation as an expression ``toEqual`` can compare against."""
    if isinstance(value, list):
        return "[" + ", ".join(expected(v) for v in value) + "]"
    if not isinstance(value, dict):
        return js(value)
    tag = value.get("$t")
    if tag is None:
        return "{ " + ", ".join(f"{key(k)}: {expected(v)}" for k, v in value.items()) + " }"
    if tag == "object":
        return expected(value["v"])
    if tag == "instance":
        return expected(value["fields"])
    if tag == "error" and "fields" in value:
        fields = {"message": value["message"], **value["fields"]}
        return f"expect.objectContaining({expected(fields)})"
    if tag == "undefined":
        return "undefined"
    if tag == "number":
        return {"NaN": "NaN", "Infinity": "Infinity", "-0": "-0"}.get(value["v"], "-Infinity")
    if tag == "bigint":
        return f"BigInt({js(value['v'])})"
    if tag == "date":
        return "expect.any(Date)" if value["v"] == "Invalid" else f"new Date({js(value['v'])})"
    if tag == "map":
        return (
            "new Map<any, any>(["
            + ", ".join(f"[{expected(k)}, {expected(v)}]" for k, v in value["entries"])
            + "])"
        )
    if tag == "set":
        return "new Set<any>([" + ", ".join(expected(v) for v in value["items"]) + "])"
    if tag == "buffer":
        return f"Buffer.from({js(value['v'])}, 'hex')"
    if tag == "varies":
        return {
            "string": "expect.any(String)",
            "number": "expect.any(Number)",
            "boolean": "expect.any(Boolean)",
            "date": "expect.any(Date)",
        }.get(value["kind"], "expect.anything()")
    return {
        "function": "expect.any(Function)",
        "error": "expect.any(Error)",
        "promise": "expect.any(Promise)",
    }.get(tag, "expect.anything()")


@dataclass
class MockTree:
    """The members one mock label needs in a test, built from the paths the call used."""

    label: str
    children: dict[str, MockTree]
    answer: str | None = None

    def code(self) -> str:
        inner = ", ".join(f"{key(k)}: {v.code()}" for k, v in self.children.items())
        if self.answer is None:
            return "{ " + inner + " }" if inner else "{}"
        return f"Object.assign({self.answer}, {{ {inner} }})" if inner else self.answer


def mock_trees(
    returns: Mapping[str, Node], ts: bool, touched: Sequence[str] = ()
) -> dict[str, MockTree]:
    """One tree per label, from the probe's record of what each called path answered; paths
    only read (``res.locals`` before ``res.locals.identity = ...``) become plain objects."""
    trees: dict[str, MockTree] = {}

    def at(path: str) -> MockTree:
        label, *parts = path.split(".")
        node = trees.setdefault(label, MockTree(label, {}))
        for part in parts:
            node = node.children.setdefault(part, MockTree(part, {}))
        return node

    for path in sorted(touched):
        at(path)
    for path in sorted(returns):
        at(path).answer = answer_code(returns[path], ts)
    return trees


def call_ref(path: str, module_labels: Mapping[str, str]) -> str:
    label, *parts = path.split(".")
    ref = module_labels.get(label, label)
    for part in parts:
        ref = member(ref, part)
    return ref


def _walk(nodes: Sequence[Node]) -> list[Node]:
    """Every value node in ``nodes``, parents before children."""
    found: list[Node] = []
    stack = list(nodes)
    while stack:
        node = stack.pop(0)
        found.append(node)
        stack.extend(node.get("items", []))
        stack.extend(node.get("args", []))
        stack.extend(node.get("fields", {}).values())
        if "v" in node and isinstance(node["v"], dict) and "t" in node["v"]:
            stack.append(node["v"])
    return found


def labels_in(nodes: Sequence[Node]) -> list[str]:
    return list(dict.fromkeys(n["label"] for n in _walk(nodes) if n["t"] == "mock"))


def class_modules(nodes: Sequence[Node]) -> list[str]:
    """Files whose classes the inputs construct (``new`` nodes), each once."""
    return list(dict.fromkeys(n["file"] for n in _walk(nodes) if n["t"] == "new"))


def class_module_label(file: str) -> str:
    return "cls_" + re.sub(r"\W", "_", Path(file).stem)


def describe_outcome(obs: Mapping[str, Any]) -> str:
    if "error" in obs:
        error = obs["error"]
        message = error["message"] if isinstance(error["message"], str) else "a varying message"
        return f"throws {error['cls'] or 'a value'}: {message}"[:90]
    value = obs.get("value")
    if isinstance(value, dict) and "status" in value and isinstance(value.get("status"), int):
        return f"answers {value['status']}"
    text = expected(value)
    return f"returns {text}"[:90] if len(text) <= 40 else "returns " + _kind(value)


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        tag = value.get("$t")
        if tag in ("error", "instance") and value.get("cls"):
            return f"a {value['cls']}"
        return "an object" if tag is None else f"{'an' if tag[0] in 'aeiou' else 'a'} {tag}"
    return type(value).__name__
