"""Secret values never leave the process: every one is written ``***``, as GitHub Actions does.

The values are those of environment variables whose names look secret (``*TOKEN*``, ``*SECRET*``,
``*PASSWORD*``, ...; more from the ini key ``orchestrate_secret_names`` and the roadmap's
``settings.secret_names``), secret-named ``env`` values of command tasks, and anything typed at a
manual prompt other than a plain yes or no. Values shorter than ``MIN_LENGTH`` are not masked:
they would mask half the output.

Text leaves at a few places, and each masks it here: every test report (so the terminal, JUnit,
xdist and everything else that reads reports), everything the terminal writer prints, the cache
records, the step summary and the plan files. One ``Secrets`` per session, in the config's stash.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Generator, Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

import pytest

MASK = "***"
MIN_LENGTH = 4
SECRET_NAMES_INI = "orchestrate_secret_names"
DEFAULT_NAMES = ("*TOKEN*", "*SECRET*", "*PASSWORD*", "*PASSWD*", "*_KEY", "*CREDENTIAL*")
# Values that are switches, not secrets (DISABLE_TOKEN_CHECK=true); masking them would hide every
# "true" in a report.
_NOT_SECRET = {"true", "false", "null", "none", "undefined"}
# A hash we computed (a 16-digit fingerprint, a file's sha256) is not a secret, and masking a piece
# of one in a cache record would corrupt it.
_DIGEST = re.compile(r"[0-9a-f]{12,}")

secrets_key = pytest.StashKey["Secrets"]()


class Secrets:
    """The secret values of this session, and the masking of text with them."""

    def __init__(self, names: Iterable[str] = DEFAULT_NAMES) -> None:
        self.names: list[str] = []
        self.values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add_names(names)

    def secret_name(self, name: str) -> bool:
        """Whether an environment variable's name looks secret (case-insensitive globs)."""
        return any(fnmatchcase(name.upper(), pattern) for pattern in self.names)

    def add_names(self, names: Iterable[str], environ: Mapping[str, str] | None = None) -> None:
        """More name patterns; the environment's values under them become secret."""
        new = [
            n.strip().upper() for n in names if n.strip() and n.strip().upper() not in self.names
        ]
        self.names += new
        if new:
            self.add_env(os.environ if environ is None else environ)

    def add_env(self, environ: Mapping[str, str]) -> None:
        """The values of ``environ`` whose names look secret."""
        for name, value in environ.items():
            if self.secret_name(name):
                self.add(value)

    def add(self, value: str) -> None:
        """A secret value (and each of its lines, for a multi-line key), unless it is too short."""
        candidates = {value, value.strip(), *(line.strip() for line in value.splitlines())}
        fresh = {
            v
            for v in candidates
            if len(v) >= MIN_LENGTH and v.lower() not in _NOT_SECRET and v not in self.values
        }
        if fresh:
            self.values |= fresh
            longest_first = sorted(self.values, key=len, reverse=True)
            self._pattern = re.compile("|".join(map(re.escape, longest_first)))

    def mask(self, text: str) -> str:
        """``text`` with every secret value replaced by ``***``."""
        pattern = self._pattern
        return text if pattern is None or not text else pattern.sub(MASK, text)

    def reveals(self, text: str) -> bool:
        """Whether ``text`` holds a secret value."""
        return self._pattern is not None and self._pattern.search(text) is not None

    def mask_json(self, value: Any) -> Any:
        """A JSON value with its strings (keys too) masked; our own hex digests are left whole."""
        if isinstance(value, str):
            return value if _DIGEST.fullmatch(value) else self.mask(value)
        if isinstance(value, dict):
            return {self.mask_json(k): self.mask_json(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.mask_json(v) for v in value]
        return value

    def mask_report(self, report: pytest.TestReport | pytest.CollectReport) -> None:
        """Mask what a report carries out: its failure text, sections and user properties."""
        if self._pattern is None:
            return
        report.longrepr = self._mask_longrepr(report.longrepr)
        report.sections = [(self.mask(k), self.mask(v)) for k, v in report.sections]
        if isinstance(report, pytest.TestReport):
            report.user_properties = [
                (k, self.mask(v) if isinstance(v, str) else v) for k, v in report.user_properties
            ]

    def _mask_longrepr(self, longrepr: Any) -> Any:
        """A string or ``(path, line, message)`` is masked as text. pytest's repr objects are
        masked in place, field by field, so the terminal keeps its layout and colours and JUnit its
        one-line message; any other object that still shows a value becomes its masked text."""
        if longrepr is None:
            return None
        if isinstance(longrepr, str | tuple):
            return self._mask_fields(longrepr)
        self._mask_fields(longrepr)
        text = str(longrepr)
        return self.mask(text) if self.reveals(text) else longrepr

    def _mask_fields(self, value: Any) -> Any:
        """``value`` with every string inside it masked; lists and dataclasses are changed in
        place."""
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, tuple):
            return tuple(self._mask_fields(v) for v in value)
        if isinstance(value, list):
            value[:] = [self._mask_fields(v) for v in value]
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                object.__setattr__(value, f.name, self._mask_fields(getattr(value, f.name)))
        return value


def secrets(config: pytest.Config) -> Secrets:
    """The session's secrets: the environment's at configure time, then whatever is added."""
    found = config.stash.get(secrets_key, None)
    if found is None:
        found = Secrets([*DEFAULT_NAMES, *config.getini(SECRET_NAMES_INI)])
        config.stash[secrets_key] = found
    return found


class _MaskedFile:
    """The terminal writer's file, masking each write."""

    def __init__(self, file: Any, secrets: Secrets) -> None:
        self._file = file
        self._secrets = secrets

    def write(self, text: str) -> int:
        self._file.write(self._secrets.mask(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


class Masking:
    """The plugin (``"orchestrate-secrets"``) that masks reports and the terminal."""

    def __init__(self, config: pytest.Config) -> None:
        self.secrets = secrets(config)
        self.config = config

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Everything the terminal reporter prints (the header onwards) goes through ``mask``."""
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        writer = getattr(reporter, "_tw", None)
        file = getattr(writer, "_file", None)
        if file is not None and not isinstance(file, _MaskedFile):
            writer._file = _MaskedFile(file, self.secrets)  # type: ignore[union-attr]

    @pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: after every other wrapper
    def pytest_runtest_makereport(self) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        self.secrets.mask_report(report)
        return report

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_make_collect_report(
        self,
    ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        report = yield
        self.secrets.mask_report(report)
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Reports made without ``makereport``: built by hand, or received from a worker."""
        self.secrets.mask_report(report)
