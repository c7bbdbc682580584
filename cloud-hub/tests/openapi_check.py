"""Validates an OpenAPI document (read from stdin) against the OpenAPI
specification's own schema with openapi-spec-validator, an implementation
independent of the hub's. Prints what is wrong and exits 1 when invalid."""
import json
import sys

from openapi_spec_validator import validate

try:
    validate(json.load(sys.stdin))
except Exception as err:  # the validator raises several error types
    print(f"{type(err).__name__}: {err}")
    sys.exit(1)
print("valid")
