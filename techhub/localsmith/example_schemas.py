"""A dataset's ``inputs_schema`` / ``outputs_schema`` (JSON Schema), enforced as LangSmith does.

A schema is checked when it is stored (a schema that is not one is a 400 then, not a failure of
every later write), and every example written to the dataset must match it: created one by one,
in bulk, through multipart uploads, from a source run, updated, or moved in from another dataset.
Validation is the ``jsonschema`` library's, with the draft the schema declares (2020-12 by default).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from jsonschema import exceptions as schema_errors
from jsonschema import validators

from techhub.localsmith.exceptions import BadRequest
from techhub.localsmith.values import json_value


def check_schema(schema: Any, field: str) -> None:
    """A 400 naming ``field`` when ``schema`` (an object) is not a valid JSON Schema."""
    if schema is None:
        return
    try:
        validators.validator_for(schema).check_schema(schema)
    except schema_errors.SchemaError as error:
        raise BadRequest(f"{field} is not a valid JSON Schema: {error.message}") from None


class SchemaCheck:
    """Checks examples against their dataset's schemas inside one transaction (schemas read once)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._validators: dict[str, tuple[Any, Any]] = {}

    def _for(self, dataset_id: str) -> tuple[Any, Any]:
        if dataset_id not in self._validators:
            row = self.conn.execute("SELECT inputs_schema, outputs_schema FROM datasets WHERE id = ?",
                                    (dataset_id,)).fetchone()
            columns = ("inputs_schema", "outputs_schema")
            schemas = [json_value(row[column]) if row else None for column in columns]
            self._validators[dataset_id] = tuple(  # type: ignore[assignment]
                validators.validator_for(s)(s) if s is not None else None for s in schemas)
        return self._validators[dataset_id]

    def check(self, dataset_id: str, example_id: str, inputs: Any, outputs: Any) -> None:
        """A 400 when the example's inputs or outputs (when it has outputs) break the dataset's schema."""
        for part, value, validator in zip(("inputs", "outputs"), (inputs, outputs), self._for(dataset_id),
                                          strict=True):
            if validator is None or (part == "outputs" and value is None):
                continue
            error = schema_errors.best_match(validator.iter_errors(value))
            if error is not None:
                where = "/".join(str(p) for p in error.absolute_path) or "the top level"
                raise BadRequest(f"example {example_id}: {part} do not match the dataset's {part} schema"
                                 f" at {where}: {error.message}")
