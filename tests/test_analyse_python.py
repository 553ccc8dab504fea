"""analyse.python: ast analysis of Python sources under the target's own interpreter."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

from pytest_orchestrate.analyse.python import analyse_file, find_interpreter
from pytest_orchestrate.errors import TaskFailed


def _newer_python() -> str | None:
    """A 3.12+ interpreter on this machine (system or pyenv), for PEP 695 syntax."""
    candidates = [Path("/usr/bin") / f"python3.{minor}" for minor in range(12, 16)]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv.is_dir():
        for version in sorted(pyenv.iterdir()):
            if version.name.startswith(("3.12", "3.13", "3.14", "3.15")):
                candidates.append(version / "bin" / "python3")
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


NEWER_PYTHON = _newer_python()


def write(tmp_path: Path, text: str, name: str = "unit.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def test_properties_classmethods_staticmethods_and_lru_cache_are_told_apart(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        from functools import lru_cache

        class Account:
            def __init__(self, owner: str, balance: int = 0) -> None:
                self.owner = owner

            @property
            def label(self) -> str:
                return self.owner.upper()

            @label.setter
            def label(self, value: str) -> None:
                self.owner = value

            @classmethod
            def empty(cls, owner: str) -> "Account":
                return cls(owner)

            @staticmethod
            def fee(amount: float, *, rate: float = 0.01) -> float:
                return amount * rate

            def _private(self) -> None: ...

        @lru_cache(maxsize=32)
        def slow_square(n: int) -> int:
            return n * n
    """,
    )
    info = analyse_file(path)

    [account] = info.classes
    kinds = {m.name: m.kind for m in account.methods}
    assert kinds == {
        "__init__": "method",
        "label": "property",
        "empty": "classmethod",
        "fee": "staticmethod",
    }
    fee = next(m for m in account.methods if m.name == "fee")
    assert [(p.name, p.kind, p.annotation, p.default) for p in fee.params] == [
        ("amount", "positional_or_keyword", "float", None),
        ("rate", "keyword_only", "float", "0.01"),
    ]
    [square] = info.functions
    assert square.decorators == ("lru_cache(maxsize=32)",)
    assert square.returns == "int"
    assert info.imports[0].module == "functools"


def test_literals_the_code_compares_against_become_pools(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        KINDS = frozenset({"view", "complete"})

        def weigh(event: dict) -> float:
            \"\"\"Docstrings are not literals worth trying.\"\"\"
            if event.get("kind") not in KINDS:
                raise ValueError("unknown kind")
            return 2.5 if event["score"] > 40 else 0.0
    """,
    )
    info = analyse_file(path)

    assert {"view", "complete", "unknown kind"} <= set(info.strings)
    assert "Docstrings are not literals worth trying." not in info.strings
    assert {"kind", "score"} <= set(info.keys)
    assert {40, 2.5} <= set(info.numbers)
    assert [c.name for c in info.constants] == ["KINDS"]


def test_statements_it_does_not_understand_are_notes_with_their_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        import os

        for name in ("A", "B"):
            os.environ.setdefault(name, "1")

        print("loaded")

        def ok() -> None: ...
    """,
    )
    info = analyse_file(path)

    assert [(n.line, n.message) for n in info.notes] == [
        (3, "top-level For statement not analysed"),
        (6, "top-level Expr statement not analysed"),
    ]
    assert [f.name for f in info.functions] == ["ok"]


PEP_695 = """
    type Pair[T] = tuple[T, T]

    def first[T](pair: Pair[T]) -> T:
        return pair[0]

    class Box[T]:
        def __init__(self, item: T) -> None:
            self.item = item
"""


def test_pep_695_syntax_fails_under_an_older_interpreter_with_the_line_and_a_fix(
    tmp_path: Path,
) -> None:
    if sys.version_info >= (3, 12):
        pytest.skip("this interpreter understands PEP 695; the failure needs 3.11 or older")
    path = write(tmp_path, PEP_695)

    with pytest.raises(TaskFailed) as failed:
        analyse_file(path, display="svc/unit.py")

    message = str(failed.value)
    assert message.startswith("svc/unit.py:1: syntax error under Python 3.")
    assert "give the service a .venv with the right Python" in message


@pytest.mark.skipif(
    NEWER_PYTHON is None, reason="no Python 3.12+ on this machine (checked /usr/bin and pyenv)"
)
def test_pep_695_syntax_parses_under_the_targets_newer_interpreter(tmp_path: Path) -> None:
    path = write(tmp_path, PEP_695)

    info = analyse_file(path, interpreter=NEWER_PYTHON)

    assert [(a.name, a.value) for a in info.type_aliases] == [("Pair", "tuple[T, T]")]
    [first] = info.functions
    assert first.type_params == ("T",)
    assert first.params[0].annotation == "Pair[T]"
    assert info.classes[0].type_params == ("T",)
    assert info.notes == ()


def test_the_interpreter_is_the_nearest_virtual_environment(tmp_path: Path) -> None:
    service = tmp_path / "services" / "search"
    package = service / "search_service"
    package.mkdir(parents=True)
    python = service / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.symlink_to(sys.executable)

    assert find_interpreter(package, tmp_path) == str(python)
    assert find_interpreter(tmp_path / "services", tmp_path) == sys.executable
