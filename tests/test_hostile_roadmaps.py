"""Hostile and broken roadmaps: each is one clear collection error at ``file:line``, fast, with no
traceback, and nothing in the project is written.

Every file in ``tests/hostile/`` is one case. Its first lines say what it tries (``# tries:``),
what error it must give (``# expect:``, where ``*`` matches anything and nothing else is
special), and any setup the test does first (``# setup: symlink NAME``: NAME becomes a link to a
folder outside the project).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path

import pytest

HOSTILE = Path(__file__).parent / "hostile"
CASES = sorted(HOSTILE.glob("*.yaml"))
ROADMAP = "config/phases.yaml"
# Generous: on an idle machine each of these collections takes a few hundredths of a second.
SECONDS = 1.0


def header(data: bytes) -> dict[str, str]:
    """The ``# key: value`` lines at the top of a case (the file itself may not be UTF-8)."""
    for encoding in ("utf-8-sig", "utf-16", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if text.startswith("#"):
            break
    fields: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"# (\w+): (.*)", line)
        if not match:
            break
        fields[match.group(1)] = match.group(2)
    return fields


def snapshot(*roots: Path) -> dict[str, str]:
    """Every file, folder and link under ``roots``, with its content's hash or link's target."""
    seen: dict[str, str] = {}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            for name in dirs + files:
                path = Path(folder, name)
                if path.is_symlink():
                    seen[str(path)] = f"link -> {os.readlink(path)}"
                elif path.is_dir():
                    seen[str(path)] = "dir"
                else:
                    seen[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return seen


def run_hostile(pytester: pytest.Pytester, *watch: Path) -> tuple[pytest.RunResult, float]:
    """Run the roadmap in-process; return the result and the seconds its collection took, after
    checking that nothing under the project (or ``watch``) changed."""
    # Files a roadmap might aim at, so a write to them would show.
    (pytester.path / "jest.config.js").write_text("module.exports = {};\n")
    (pytester.path / ".git" / "hooks").mkdir(parents=True)
    (pytester.path / ".git" / "config").write_text("[core]\n")
    before = snapshot(pytester.path, *watch)
    clock = CollectionClock()
    # No cache and no pytest-benchmark (where installed): both would make folders here.
    result = pytester.runpytest(
        "--all", "-p", "no:cacheprovider", "-p", "no:benchmark", plugins=[clock]
    )
    assert snapshot(pytester.path, *watch) == before, "the hostile roadmap changed the project"
    return result, clock.seconds


class CollectionClock:
    """Times the inner session's collection (where the roadmap is read, and refused)."""

    seconds = float("inf")

    @pytest.hookimpl(wrapper=True)
    def pytest_collection(self, session: pytest.Session) -> object:
        start = time.perf_counter()
        try:
            return (yield)
        finally:
            self.seconds = time.perf_counter() - start


def assert_one_clear_error(result: pytest.RunResult, expect: str) -> str:
    """Exactly one error line, at ``config/phases.yaml:LINE``, matching ``expect``; no
    traceback."""
    lines = result.stdout.lines + result.stderr.lines
    for line in lines:
        assert "Traceback" not in line, "\n".join(lines)
        assert not re.match(r'\s*File "', line), "\n".join(lines)
    out = result.stdout.lines
    start = next(i for i, line in enumerate(out) if f"ERROR collecting {ROADMAP}" in line)
    end = next(i for i, line in enumerate(out) if "short test summary info" in line)
    body = [line for line in out[start + 1 : end] if line.strip()]
    assert len(body) == 1, "\n".join(out)
    (message,) = body
    assert re.match(rf"{re.escape(ROADMAP)}:\d+: \S", message), message
    pattern = ".*".join(re.escape(part) for part in expect.split("*"))
    assert re.fullmatch(pattern, message), f"{message!r}\n  does not match\n{expect!r}"
    assert len(message) < 500, message
    assert result.ret == pytest.ExitCode.INTERRUPTED
    return message


def test_the_corpus_is_large_and_every_case_says_what_it_tries() -> None:
    assert len(CASES) >= 30
    for case in CASES:
        fields = header(case.read_bytes())
        assert fields.get("tries") and fields.get("expect"), case.name


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_a_hostile_roadmap_is_one_clear_error(
    pytester: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory, case: Path
) -> None:
    data = case.read_bytes()
    fields = header(data)
    roadmap = pytester.path / ROADMAP
    roadmap.parent.mkdir()
    roadmap.write_bytes(data)
    watch = []
    if setup := fields.get("setup"):
        kind, name = setup.split()
        assert kind == "symlink", setup
        outside = tmp_path_factory.mktemp("outside")
        (outside / "ci.yml").write_text("on: push\n")
        (pytester.path / name).symlink_to(outside, target_is_directory=True)
        watch.append(outside)
    result, elapsed = run_hostile(pytester, *watch)
    assert_one_clear_error(result, fields["expect"])
    assert elapsed < SECONDS


def test_a_50_mb_roadmap_is_refused_before_it_is_parsed(pytester: pytest.Pytester) -> None:
    roadmap = pytester.path / ROADMAP
    roadmap.parent.mkdir()
    with open(roadmap, "w", encoding="utf-8") as f:
        f.write("phase_1:\n  name: One\n  groups:\n    group_a:\n      name: A\n      tasks:\n")
        task = '        - {id: "%d", name: x, type: manual, instructions: "%s"}\n'
        chunk = "".join(task % (i, "y" * 60) for i in range(10_000))
        while f.tell() < 50 * 2**20:
            f.write(chunk)
    result, elapsed = run_hostile(pytester)
    assert_one_clear_error(
        result,
        f"{ROADMAP}:1: the roadmap is 5*.* MB, more than the 8 MB a roadmap may be; split it*",
    )
    assert elapsed < SECONDS


def test_thousands_of_mistakes_are_reported_by_the_first_twenty(pytester: pytest.Pytester) -> None:
    keys = "".join(f"phase_{n}x: 1\n" for n in range(5000))
    (pytester.path / "config").mkdir()
    (pytester.path / ROADMAP).write_text(keys)
    result, elapsed = run_hostile(pytester)
    result.stdout.fnmatch_lines(
        [
            f"{ROADMAP}:20: unknown top-level key 'phase_19x'*",
            f"{ROADMAP}:21: and 4980 more problems from here on; fix the ones above first",
        ]
    )
    result.stdout.no_fnmatch_line(f"{ROADMAP}:22:*")
    assert elapsed < SECONDS


SANDBOX_ROADMAP = """\
phase_1:
  name: One
  groups:
    group_a:
      name: A
      tasks:
        - id: "1.1"
          name: render
          type: file_generation
          template: {template}
          output: out.ts
          params:
            who: {who}
            items: [{items}]
"""


def _template(pytester: pytest.Pytester, name: str, text: str) -> None:
    path = pytester.path / "config" / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_template_reaching_for_python_internals_is_a_security_error_at_its_line(
    pytester: pytest.Pytester, roadmap
) -> None:
    _template(pytester, "escape.ts.j2", "// fine\n{{ ''.__class__.__mro__ }}\n")
    roadmap(SANDBOX_ROADMAP.format(template="escape.ts.j2", who="x", items="1"))
    result = pytester.runpytest("--all", "-p", "no:cacheprovider", "-p", "no:benchmark")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["template escape.ts.j2:2: SecurityError: access to attribute '__class__' of 'str'*unsafe*"]
    )
    result.stdout.no_fnmatch_line("*Traceback*")
    assert not (pytester.path / "out.ts").exists()


def test_jinja_syntax_in_params_is_data_never_a_template(
    pytester: pytest.Pytester, roadmap
) -> None:
    _template(
        pytester,
        "echo.ts.j2",
        "export const who = {{ who | js_string }};\n"
        "{% for item in items %}\nexport const item{{ loop.index }} = {{ item | js_string }};\n"
        "{% endfor %}\n",
    )
    hostile = [
        "{{ 7*7 }}",
        "{% for x in range(3) %}loop{% endfor %}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{# comment #}",
        "{%raw%}",
    ]
    roadmap(
        SANDBOX_ROADMAP.format(
            template="echo.ts.j2",
            who='"{{ 7*7 }}"',
            items=", ".join(json.dumps(h) for h in hostile),
        )
    )
    result = pytester.runpytest("--all", "-p", "no:cacheprovider", "-p", "no:benchmark")
    result.assert_outcomes(passed=1)
    out = (pytester.path / "out.ts").read_text()
    assert "export const who = '{{ 7*7 }}';" in out
    for i, text in enumerate(hostile, start=1):
        assert f"export const item{i} = '{text}';" in out.replace("\\'", "'")
    assert "49" not in out and "looplooploop" not in out
