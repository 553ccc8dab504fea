"""Secrets are masked everywhere text leaves a run: the terminal, JUnit, the cache, the step
summary, the plan files, and the live lines of a task at a terminal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pytest_orchestrate.session.secrets import Secrets

SECRETS = {
    "DEPLOY_TOKEN": "s3cr3t-value-42",
    "DB_PASSWORD": "hunter2-db-pass",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI-aws-key",
    "ACME_PASSPHRASE": "acme-phrase-from-ini",  # secret only through the ini key
    "VAULT_ADDRESS_WITH_AUTH": "https://user:vault-auth-99@vault",  # through the roadmap setting
}
ROADMAP_LITERAL = "literal-in-roadmap-77"  # a secret-named env value written in the roadmap

ROADMAP = f"""
orchestrator:
  settings:
    retry_attempts: 1
    retry_delay_seconds: 0
    secret_names: ["vault_*"]
phase_1:
  name: One
  groups:
    group_a:
      name: A
      execution: parallel
      tasks:
        - id: "1.1"
          name: leaky deploy
          type: command
          run: >-
            echo "token=$DEPLOY_TOKEN db=$DB_PASSWORD aws=$AWS_SECRET_ACCESS_KEY
            acme=$ACME_PASSPHRASE vault=$VAULT_ADDRESS_WITH_AUTH api=$API_TOKEN"; exit 3
          env: {{API_TOKEN: "{ROADMAP_LITERAL}"}}
        - id: "1.2"
          name: chatty but fine
          type: command
          run: 'echo "token=$DEPLOY_TOKEN"'
"""

ALL_VALUES = [*SECRETS.values(), ROADMAP_LITERAL]


@pytest.fixture
def secret_env(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The secrets in the environment, the ini key naming one more, and a step summary file."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    pytester.makeini("[pytest]\norchestrate_secret_names =\n    acme_*\n    OTHER_*\n")
    summary = pytester.path / "step_summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    return summary


def everything_written(pytester: pytest.Pytester, result: pytest.RunResult) -> dict[str, str]:
    """Every output of a run: its stdout and stderr, and each file it left behind."""
    out = {"stdout": result.stdout.str(), "stderr": result.stderr.str()}
    for path in sorted(pytester.path.rglob("*")):
        if path.is_file() and path.suffix not in (".ini", ".yaml"):
            out[str(path.relative_to(pytester.path))] = path.read_text(errors="replace")
    return out


def assert_masked(outputs: dict[str, str]) -> None:
    leaks = [(where, v) for where, text in outputs.items() for v in ALL_VALUES if v in text]
    assert not leaks, leaks


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([], id="serial"),
        pytest.param(["--tb=long"], id="serial-long-traceback"),
        pytest.param(["-n", "2"], id="xdist"),
    ],
)
def test_a_failing_command_shows_no_secret_anywhere(
    pytester: pytest.Pytester, roadmap, assert_counts, secret_env: Path, args: list[str]
) -> None:
    roadmap(ROADMAP)
    result = pytester.runpytest(
        "--all", "-rA", "-v", "-p", "no:randomly", "--junitxml=junit.xml", *args
    )
    assert_counts(result, failed=1, passed=1)
    outputs = everything_written(pytester, result)
    assert any(".pytest_cache" in where for where in outputs)  # the records were read too
    assert "## Roadmap" in outputs["step_summary.md"]
    assert_masked(outputs)
    masked = "token=*** db=*** aws=*** acme=*** vault=*** api=***"
    assert masked in outputs["stdout"]
    assert masked in outputs["junit.xml"]
    # The short failure report is as useful as before: where, what, and the output.
    if "--tb=long" in args:
        # pytest's traceback object is kept (masked in place): JUnit's message stays one line.
        result.stdout.fnmatch_lines(["E * exited 3, expected 0"])
        assert f"E           {masked}" in result.stdout.lines
        assert 'message="pytest_orchestrate.errors.CommandFailed: `echo' in outputs["junit.xml"]
    else:
        result.stdout.fnmatch_lines(
            ["config/phases.yaml:13: task 1.1 (command: leaky deploy) failed", "`echo *exited 3*"]
        )
        assert masked in result.stdout.lines


def test_a_value_written_into_the_roadmap_is_masked_in_the_plan_outputs(
    pytester: pytest.Pytester, roadmap, secret_env: Path
) -> None:
    """Pasted into a name, a secret reaches the plan, the Mermaid chart and ``--collect-only``."""
    roadmap(ROADMAP.replace("name: leaky deploy", f"name: deploy {SECRETS['DEPLOY_TOKEN']}"))
    result = pytester.runpytest(
        "--collect-only",
        "--all",
        "--orchestrate-plan=plan.json",
        "--orchestrate-plan-mermaid=plan.mmd",
        "--orchestrate-ci-matrix=roadmap.yml",
    )
    assert result.ret == 0
    outputs = everything_written(pytester, result)
    assert_masked(outputs)
    for where in ("stdout", "plan.json", "plan.mmd"):
        assert "deploy ***" in outputs[where], where
    plan = pytester.runpytest("--orchestrate-plan=-", "--all", "--collect-only", "-q").stdout.str()
    assert "deploy ***" in plan and SECRETS["DEPLOY_TOKEN"] not in plan

    pytester.runpytest("--all", "-p", "no:randomly")
    summary = secret_env.read_text()
    assert "deploy ***" in summary and SECRETS["DEPLOY_TOKEN"] not in summary


PROMPTED = """
phase_1:
  name: One
  groups:
    group_a:
      name: Ask
      tasks:
        - id: "1.1"
          name: paste nothing here
          type: manual
          instructions: Confirm the deploy key is installed.
    group_b:
      name: Later
      depends_on: []
      tasks:
        - id: "1.2"
          name: echoes what was typed, slowly
          type: command
          run: 'echo "typed=typed-answer-9876 token=$DEPLOY_TOKEN"; sleep 6.5; exit 1'
"""


def test_a_value_typed_at_the_prompt_and_live_lines_are_masked(
    pytester: pytest.Pytester, roadmap, run_in_pty, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer that is not yes (a token pasted into the wrong window) is a secret from then on;
    the heartbeat line of a running task shows its last output masked."""
    monkeypatch.setenv("DEPLOY_TOKEN", SECRETS["DEPLOY_TOKEN"])
    summary = pytester.path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    roadmap(PROMPTED)
    out = run_in_pty(
        ["--all", "-s", "-v", "--color=no", "-p", "no:randomly", "--junitxml=junit.xml"],
        pytester.path,
        b"typed-answer-9876\r",
    ).decode(errors="replace")
    assert "Confirm the deploy key is installed." in out
    assert "MANUAL" in out and "1 failed" in out
    # The heartbeat line, at the terminal, ~5 s in.
    assert re.search(r"running \d+ s: typed=\*\*\* token=\*\*\*", out), out
    assert "typed=*** token=***" in (pytester.path / "junit.xml").read_text()
    written = {"terminal": out, "step summary": summary.read_text()}
    written.update(
        (str(p), p.read_text(errors="replace"))
        for p in (pytester.path / ".pytest_cache").rglob("*")
        if p.is_file()
    )
    written["junit"] = (pytester.path / "junit.xml").read_text()
    for value in ("typed-answer-9876", SECRETS["DEPLOY_TOKEN"]):
        assert not [where for where, text in written.items() if value in text], value


def test_what_counts_as_a_secret() -> None:
    secrets = Secrets()
    secrets.add_env(
        {
            "GITHUB_TOKEN": "ghp_abcdef",
            "db_password": "lower-case-name",
            "SIGNING_KEY": "-----BEGIN KEY-----\nline-two-of-key\n-----END KEY-----\n",
            "KEYBOARD": "not-secret-name",  # *_KEY, not *KEY*
            "SHORT_TOKEN": "abc",  # too short to mask: it would hide every 'abc'
            "DISABLE_TOKEN_CHECK": "true",  # a switch, not a secret
            "HOME": "/home/someone",
        }
    )
    text = (
        "ghp_abcdef lower-case-name not-secret-name abc true /home/someone "
        "line-two-of-key -----BEGIN KEY-----\nline-two-of-key\n-----END KEY-----\n"
    )
    # The whole key is one ***; its lines are masked one by one wherever they appear alone.
    assert secrets.mask(text) == "*** *** not-secret-name abc true /home/someone *** ***"
    assert secrets.mask("-----END KEY-----") == "***"
    # Our own digests in cache records stay whole even when a short secret occurs inside one.
    secrets.add("beef")
    digest, fingerprint = "beef" * 16, "0123beef45678901"
    record = {"files": ["beef.txt"], "stamps": {"beef.txt": [1, 2, digest]}, "fp": fingerprint}
    assert secrets.mask_json(record) == {
        "files": ["***.txt"],
        "stamps": {"***.txt": [1, 2, digest]},
        "fp": fingerprint,
    }
