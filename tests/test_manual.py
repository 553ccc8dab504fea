"""Manual tasks: asked at a terminal, never blocking anywhere else, confirmed once."""

from __future__ import annotations

import json

import pytest

MANUAL = """
phase_4:
  name: Four
  groups:
    group_g:
      name: G
      execution: sequential
      tasks:
        - id: "4.3"
          name: Configure GitHub secrets
          type: manual
          instructions: |
            Add DEPLOY_TOKEN to the repository secrets.
        - {id: "4.4", name: deploy, type: command, run: "touch deployed"}
"""


def test_without_a_terminal_the_run_does_not_hang(
    pytester: pytest.Pytester, roadmap, assert_counts
) -> None:
    roadmap(MANUAL)
    result = pytester.runpytest_subprocess("--all", "-s", "-rs", timeout=60)
    assert_counts(result, manual=1, blocked=1)
    result.stdout.fnmatch_lines(
        [
            "MANUAL 4.3: waiting for confirmation; run with --confirm 4.3 (config/phases.yaml:8)",
            "BLOCKED *: 4.3 waiting for confirmation (config/phases.yaml:13)",
        ]
    )
    assert not (pytester.path / "deployed").exists()


def test_the_run_ends_with_the_command_that_goes_on_once_a_human_is_done(
    pytester: pytest.Pytester, roadmap, assert_counts
) -> None:
    # Phase 5 does not wait for phase 4, so both stop at their manual step in one run.
    five = MANUAL.replace("phase_4:\n  name: Four", "phase_5:\n  name: Five\n  depends_on: []")
    for old, new in (("group_g", "group_h"), ('"4.', '"5.'), ("deployed", "released")):
        five = five.replace(old, new)
    roadmap(MANUAL + five)
    result = pytester.runpytest("--all", "-p", "no:randomly")
    result.stdout.fnmatch_lines(
        [
            "waiting for a human: 4.3, 5.3; once done, go on with:",
            "  pytest --all -p no:randomly * --confirm=4.3 --confirm=5.3",  # * is --basetemp
        ]
    )
    # The printed command, as printed, finishes the roadmap.
    command = result.stdout.lines[
        result.stdout.lines.index("waiting for a human: 4.3, 5.3; once done, go on with:") + 1
    ].split()[1:]
    assert_counts(pytester.runpytest(*command), passed=4)
    assert (pytester.path / "deployed").exists() and (pytester.path / "released").exists()


def test_confirm_records_the_confirmation_once(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(MANUAL)
    result = pytester.runpytest("--all", "--confirm", "4.3", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*::4.3 OK*", "*::4.4 CHANGED*"])
    (entry,) = (pytester.path / ".pytest_cache").rglob("confirmations/*/4.3.json")
    saved = json.loads(entry.read_text())
    assert saved["user"] and saved["at"] and saved["fingerprint"]
    # Confirmed once is confirmed: a redo does not ask again.
    result = pytester.runpytest("--all", "--redo", "-v")
    result.assert_outcomes(passed=2)


def test_at_a_terminal_the_instructions_are_shown_and_the_answer_is_not(
    pytester: pytest.Pytester, roadmap, run_in_pty
) -> None:
    roadmap(MANUAL)
    out = run_in_pty(
        ["--all", "-s", "-v", "--color=no", "-p", "no:randomly"],
        pytester.path,
        b"yes-i-did-it-secret\r",
    )
    text = out.decode(errors="replace")
    assert "Add DEPLOY_TOKEN to the repository secrets." in text
    assert "secret" not in text.split("input hidden")[1]  # nothing typed is echoed or logged
    assert "MANUAL" in text  # 'yes-i-did-it-secret' is not 'yes'

    out = run_in_pty(
        ["--all", "-s", "-v", "--color=no", "-p", "no:randomly"], pytester.path, b"yes\r"
    )
    text = out.decode(errors="replace")
    assert "pending): \r\nOK (" in text and "::4.4 CHANGED" in text
    assert (pytester.path / "deployed").exists()
    assert "yes" not in text.split("input hidden")[1].replace("yes' once", "")


def test_forget_starts_a_project_root_over_and_leaves_other_roots_alone(
    pytester: pytest.Pytester, roadmap
) -> None:
    """A confirmation has no file to check against the disk, so a fresh copy made where an earlier
    copy was would inherit it: ``--orchestrate-forget`` (``orchestrate forget``) starts over."""
    roadmap(MANUAL)
    for root in ("a", "b"):
        pytester.mkdir(root)
        done = pytester.runpytest("--all", "--confirm", "4.3", f"--project-root={root}")
        done.assert_outcomes(passed=2)

    forget = pytester.runpytest("--orchestrate-forget", "--project-root=a")

    assert forget.ret == 0
    # Its two done tasks and the confirmation.
    forget.stdout.fnmatch_lines(["forgot 3 record(s) of config/phases.yaml for */a"])
    again = pytester.runpytest("--all", "-rs", "--project-root=a")
    again.stdout.fnmatch_lines(["MANUAL 4.3: waiting for confirmation*", "BLOCKED 4.4: *"])
    other = pytester.runpytest("--all", "--project-root=b")
    other.stdout.fnmatch_lines(["*2 done*"])
