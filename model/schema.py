"""The JSON Schema generated from the models, committed beside them as policy.schema.json.

`python -m policydiff.model.schema --write` regenerates it; a test fails when the committed copy drifts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from policydiff.model.policy import Policy

SCHEMA_PATH = Path(__file__).with_name("policy.schema.json")


def generated_schema() -> dict:
    schema = Policy.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "policydiff-policy.schema.json"
    return schema


def schema_text() -> str:
    return json.dumps(generated_schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    if argv[1:] == ["--write"]:
        SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
        return 0
    sys.stdout.write(schema_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
