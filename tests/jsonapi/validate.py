"""Checks JSON:API documents with jsonapi-pydantic (an independent implementation of the JSON:API
1.0 document structure, pinned in tests/openapi/requirements.txt), plus the structural rules it
leaves to the reader: only the specification's top-level members, `status` as a string in errors,
`id`/`type` strings, no attribute named `id` or `type`, and full linkage of included resources.

Usage: validate.py FILE...  Prints one line per file, "ok FILE" or "refused FILE: why", and exits
1 when any file is refused.
"""

import json
import sys

from jsonapi_pydantic.v1_0 import TopLevel

TOP_LEVEL = {"data", "errors", "meta", "jsonapi", "links", "included"}


def problems(document):
    TopLevel.model_validate(document)
    extra = set(document) - TOP_LEVEL
    if extra:
        raise ValueError(f"top-level members outside the specification: {sorted(extra)}")
    for error in document.get("errors") or []:
        if not isinstance(error.get("status"), str):
            raise ValueError("an error's status must be a string")
    data = document.get("data")
    resources = data if isinstance(data, list) else ([data] if data else [])
    included = document.get("included") or []
    for resource in resources + included:
        if not isinstance(resource.get("id"), str) or not isinstance(resource.get("type"), str):
            raise ValueError("a resource's id and type must be strings")
        attributes = resource.get("attributes") or {}
        if "id" in attributes or "type" in attributes:
            raise ValueError("an attribute is named id or type")
    if included:
        linked = set()
        for resource in resources:
            for relationship in (resource.get("relationships") or {}).values():
                linkage = relationship.get("data")
                for identifier in linkage if isinstance(linkage, list) else [linkage]:
                    if identifier:
                        linked.add((identifier["type"], identifier["id"]))
        for resource in included:
            if (resource["type"], resource["id"]) not in linked:
                raise ValueError(f"included {resource['type']} {resource['id']} is not linked")


def main(paths):
    refused = 0
    for path in paths:
        with open(path, encoding="utf-8") as file:
            document = json.load(file)
        try:
            problems(document)
            print(f"ok {path}")
        except Exception as error:  # pydantic's and ours alike: say why, go on
            refused += 1
            print(f"refused {path}: {error}".replace("\n", " "))
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
