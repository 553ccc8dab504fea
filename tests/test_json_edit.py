"""Tests for json_set, the lossless JSON edit used on package.json."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_orchestrate.edit.json import json_set
from pytest_orchestrate.errors import EditError

PACKAGE = """{
  "name": "api",
  "version": "1.0.0",
  "scripts": {
    "build": "tsc",
    "test": "jest"
  },
  "devDependencies": {
    "jest": "^29.7.0"
  }
}
"""


def set_(text: str, path: Any, value: Any) -> str:
    result = json_set(text, {"path": path, "value": value}, filename="package.json")
    assert json.loads(result) is not None
    again = json_set(result, {"path": path, "value": value}, filename="package.json")
    assert again is result  # idempotent: the same object back, not just an equal string
    return result


def test_new_script_is_appended_after_the_last_one() -> None:
    assert set_(PACKAGE, "scripts.migrate", "knex migrate:latest") == PACKAGE.replace(
        '"test": "jest"\n', '"test": "jest",\n    "migrate": "knex migrate:latest"\n'
    )


def test_existing_value_is_replaced_in_place() -> None:
    assert set_(PACKAGE, "scripts.test", "jest --coverage") == PACKAGE.replace(
        '"jest"\n', '"jest --coverage"\n'
    )


def test_same_value_returns_the_text_unchanged() -> None:
    assert (
        json_set(PACKAGE, {"path": "version", "value": "1.0.0"}, filename="package.json") is PACKAGE
    )


def test_true_and_one_are_different_values() -> None:
    text = '{\n  "private": 1\n}\n'
    assert set_(text, "private", True) == '{\n  "private": true\n}\n'


def test_missing_objects_are_created_expanded_like_npm() -> None:
    assert set_(PACKAGE, "jest.coverageThreshold.global.lines", 80) == PACKAGE.replace(
        '    "jest": "^29.7.0"\n  }\n',
        '    "jest": "^29.7.0"\n  },\n'
        '  "jest": {\n    "coverageThreshold": {\n      "global": {\n        "lines": 80\n      }\n'
        "    }\n  }\n",
    )


def test_object_and_list_values_follow_the_file_indent() -> None:
    text = '{\n    "name": "x"\n}\n'
    assert set_(text, "files", ["dist", "README.md"]) == (
        '{\n    "name": "x",\n    "files": [\n        "dist",\n        "README.md"\n    ]\n}\n'
    )


def test_tabs_are_kept() -> None:
    text = '{\n\t"scripts": {\n\t\t"test": "jest"\n\t}\n}\n'
    assert (
        set_(text, "scripts.lint", "eslint .")
        == '{\n\t"scripts": {\n\t\t"test": "jest",\n\t\t"lint": "eslint ."\n\t}\n}\n'
    )


def test_crlf_and_missing_final_newline_are_kept() -> None:
    text = '{\r\n  "scripts": {\r\n    "test": "jest"\r\n  }\r\n}'
    assert set_(text, "scripts.ci", "jest --ci") == (
        '{\r\n  "scripts": {\r\n    "test": "jest",\r\n    "ci": "jest --ci"\r\n  }\r\n}'
    )


def test_empty_objects_are_filled() -> None:
    assert (
        set_('{\n  "scripts": {}\n}\n', "scripts.test", "jest")
        == '{\n  "scripts": {\n    "test": "jest"\n  }\n}\n'
    )
    assert set_("{}", "name", "x") == '{\n  "name": "x"\n}'


def test_single_line_objects_stay_on_one_line() -> None:
    text = '{"name": "x", "scripts": {"test": "jest"}}\n'
    assert (
        set_(text, "scripts.lint", "eslint")
        == '{"name": "x", "scripts": {"test": "jest", "lint": "eslint"}}\n'
    )


def test_key_order_and_unrelated_bytes_are_untouched() -> None:
    text = '{\n  "b":   1,\n  "a": {"x": [1,2]},\n  "c": "\\u00e9"\n}\n'
    assert (
        set_(text, "a.y", None)
        == '{\n  "b":   1,\n  "a": {"x": [1,2], "y": null},\n  "c": "\\u00e9"\n}\n'
    )


def test_a_list_path_reaches_keys_with_dots() -> None:
    text = '{\n  "jest": {\n    "coverageThreshold": {}\n  }\n}\n'
    assert set_(text, ["jest", "coverageThreshold", "./src/services/", "lines"], 90) == (
        '{\n  "jest": {\n    "coverageThreshold": {\n      "./src/services/": {\n'
        '        "lines": 90\n'
        "      }\n    }\n  }\n}\n"
    )


def test_unicode_is_written_as_is() -> None:
    text = '{\n  "author": "Zoë"\n}\n'
    assert (
        set_(text, "description", "café ☕")
        == '{\n  "author": "Zoë",\n  "description": "café ☕"\n}\n'
    )


def test_invalid_json_reports_the_line() -> None:
    with pytest.raises(EditError, match=r"^package\.json:3: invalid JSON: Expecting property name"):
        json_set('{\n  "a": 1,\n}\n', {"path": "b", "value": 2}, filename="package.json")


def test_a_non_object_on_the_path_is_refused() -> None:
    with pytest.raises(
        EditError, match=r"^package\.json: cannot set scripts\.test\.x: scripts\.test is string"
    ):
        json_set(PACKAGE, {"path": "scripts.test.x", "value": 1}, filename="package.json")


def test_a_non_object_file_is_refused() -> None:
    with pytest.raises(
        EditError, match=r"^package\.json: the top level of the JSON file is not an object"
    ):
        json_set("[1]\n", {"path": "a", "value": 1}, filename="package.json")


@pytest.mark.parametrize(
    "params", [{"path": "a"}, {"value": 1}, {"path": "a..b", "value": 1}, {"path": [], "value": 1}]
)
def test_bad_params_are_refused(params: dict[str, Any]) -> None:
    with pytest.raises(EditError, match=r"^package\.json: json_set"):
        json_set(PACKAGE, params, filename="package.json")


def test_a_value_that_is_not_json_is_refused() -> None:
    with pytest.raises(EditError, match=r"^package\.json: json_set: the value is not JSON"):
        json_set(PACKAGE, {"path": "files", "value": {1, 2}}, filename="package.json")


def test_escaped_keys_are_matched_by_their_value() -> None:
    text = '{\n  "sc\\u0072ipts": {\n    "test": "jest"\n  }\n}\n'
    assert set_(text, "scripts.test", "vitest") == text.replace('"jest"', '"vitest"')
