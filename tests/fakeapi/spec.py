"""Validation of Bot API calls against the published spec (botapi_spec.json beside this file)."""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).with_name("botapi_spec.json")
_ARRAY = "Array of "
_INTEGER = re.compile(r"-?\d+")
_FLOAT = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_PRIMITIVES = ("Integer", "Float", "Boolean", "String")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (the only thing an `InputFile` can be)."""

    name: str
    filename: str | None
    content: bytes


class SpecError(ValueError):
    """A call that breaks the Bot API spec; the message says what is wrong."""


class BotApiSpec:
    """The Bot API's methods and types, able to decode form values and validate calls."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.version: str = spec.get("version", "?")
        self.methods: dict[str, list[dict[str, Any]]] = {
            name: body.get("fields", []) for name, body in spec["methods"].items()
        }
        self.types: dict[str, dict[str, Any]] = dict(spec["types"])
        self._by_lower = {name.lower(): name for name in self.methods}

    @classmethod
    def load(cls, path: Path = SPEC_PATH) -> "BotApiSpec":
        """Read the spec file."""
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def canonical_method(self, method: str) -> str | None:
        """The spec's spelling of a method name (Telegram ignores case), or None if unknown."""
        return self._by_lower.get(method.lower())

    def decode_form(self, method: str, form: Mapping[str, Any]) -> dict[str, Any]:
        """Turn form values (strings, JSON for non-strings) into typed values by the spec."""
        fields = {field["name"]: field["types"] for field in self.methods[method]}
        return {
            name: _decode_value(value, fields[name]) if name in fields else value
            for name, value in form.items()
        }

    def validate_call(self, method: str, params: Mapping[str, Any]) -> list[str]:
        """Every way `params` breaks the spec of `method` (empty when the call is valid)."""
        fields = self.methods[method]
        known = {field["name"] for field in fields}
        errors = [f'unknown parameter "{name}"' for name in params if name not in known]
        for field in fields:
            name = field["name"]
            if name not in params or params[name] is None:
                if field["required"]:
                    errors.append(f'parameter "{name}" is required')
                continue
            errors += self._check_union(params[name], field["types"], name)
        return errors

    def _check_union(self, value: Any, types: list[str], path: str) -> list[str]:
        attempts = [self._check(value, type_name, path) for type_name in types]
        if any(not errors for errors in attempts):
            return []
        if len(attempts) == 1:
            return attempts[0]
        best = min(attempts, key=len)
        if _is_shape_mismatch(best, path):
            return [f"{path} must be {' or '.join(types)}"]
        return best

    def _check(self, value: Any, type_name: str, path: str) -> list[str]:
        if type_name.startswith(_ARRAY):
            if not isinstance(value, list):
                return [f"{path} must be {type_name}"]
            inner = type_name.removeprefix(_ARRAY)
            errors: list[str] = []
            for index, item in enumerate(value):
                errors += self._check(item, inner, f"{path}[{index}]")
            return errors
        if type_name in _PRIMITIVES:
            return [] if _is_primitive(value, type_name) else [f"{path} must be {type_name}"]
        if type_name == "InputFile":
            ok = isinstance(value, UploadedFile | str)
            return [] if ok else [f"{path} must be InputFile"]
        spec_type = self.types.get(type_name)
        if spec_type is None:
            return [f"{path}: the spec has no type {type_name}"]
        if "subtypes" in spec_type:
            return self._check_abstract(value, type_name, spec_type["subtypes"], path)
        return self._check_object(value, type_name, spec_type.get("fields", []), path)

    def _check_abstract(
        self, value: Any, type_name: str, subtypes: list[str], path: str
    ) -> list[str]:
        if not isinstance(value, dict):
            return self._check_union(value, subtypes, path)
        candidates = [name for name in subtypes if self._constants_match(name, value)]
        if not candidates:
            return [f"{path} is no known kind of {type_name}"]
        return self._check_union(value, candidates, path)

    def _constants_match(self, type_name: str, value: dict[str, Any]) -> bool:
        fields = self.types.get(type_name, {}).get("fields")
        if fields is None:
            return True  # a type expression such as "String" inside a union of subtypes
        return all(value.get(f["name"]) == f["const"] for f in fields if "const" in f)

    def _check_object(
        self, value: Any, type_name: str, fields: list[dict[str, Any]], path: str
    ) -> list[str]:
        if not isinstance(value, dict):
            return [f"{path} must be {type_name}"]
        known = {field["name"] for field in fields}
        errors = [
            f'{path}: unknown field "{name}" in {type_name}' for name in value if name not in known
        ]
        for field in fields:
            name = field["name"]
            if value.get(name) is None:
                if field["required"]:
                    errors.append(f'{path}: field "{name}" of {type_name} is required')
                continue
            if "const" in field and value[name] != field["const"]:
                errors.append(f'{path}.{name} must be "{field["const"]}"')
                continue
            errors += self._check_union(value[name], field["types"], f"{path}.{name}")
        return errors


def _is_primitive(value: Any, type_name: str) -> bool:
    if type_name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name == "Boolean":
        return isinstance(value, bool)
    return isinstance(value, str)


def _is_shape_mismatch(errors: list[str], path: str) -> bool:
    """Whether the value itself had the wrong shape (rather than something inside it)."""
    return len(errors) == 1 and errors[0].startswith(f"{path} must be ")


def _decode_value(raw: Any, types: list[str]) -> Any:
    """Decode one form value the way Telegram reads it for a field of `types`."""
    if not isinstance(raw, str):
        return raw
    if "Integer" in types and _INTEGER.fullmatch(raw):
        return int(raw)
    if "Float" in types and _FLOAT.fullmatch(raw):
        return float(raw)
    if "Boolean" in types and raw in ("true", "false"):
        return raw == "true"
    if "String" in types or "InputFile" in types:
        return raw
    if any(t not in _PRIMITIVES for t in types):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


@cache
def default_spec() -> BotApiSpec:
    """The spec shipped with the tests, loaded once."""
    return BotApiSpec.load()
