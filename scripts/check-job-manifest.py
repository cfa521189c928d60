#!/usr/bin/env python3
"""Checks a Kubernetes Job manifest against the batch/v1 models of the official client, offline.

    python3 -m venv /tmp/k8s && /tmp/k8s/bin/pip install kubernetes
    dver pipeline run NAME --executor kubernetes --manifest > job.json
    /tmp/k8s/bin/python scripts/check-job-manifest.py job.json      # or: ... < job.json

The manifest (JSON, as dver prints it) is deserialized into `V1Job` by the client's own
deserializer, `ApiClient.deserialize`, which rejects a value of the wrong type (a string for
an integer, an object for a list) and a missing required field (a container without a name).
It drops fields the models do not know without a word, and it also accepts snake_case
spellings, so the V1Job is serialized again (`sanitize_for_serialization`) and compared with
the input: any field that is lost or renamed on the way is reported. No API server is
contacted. Exit status 0 when the manifest is a valid batch/v1 Job, 1 with the problems on
stderr otherwise, 2 when the input is not JSON or the client is not installed.
"""
import json
import sys


def differences(given, kept, path="$"):
    """Yields one line per place where the round-tripped value differs from the input."""
    if isinstance(given, dict) and isinstance(kept, dict):
        for key in sorted(set(given) | set(kept)):
            where = f"{path}.{key}"
            if key not in kept:
                yield f"{where}: not a field of the batch/v1 model (dropped by the client)"
            elif key not in given:
                yield f"{where}: added by the client (the input spells it differently)"
            else:
                yield from differences(given[key], kept[key], where)
    elif isinstance(given, list) and isinstance(kept, list):
        if len(given) != len(kept):
            yield f"{path}: {len(given)} items given, {len(kept)} kept"
        for index, (a, b) in enumerate(zip(given, kept)):
            yield from differences(a, b, f"{path}[{index}]")
    elif type(given) is not type(kept) or given != kept:
        yield f"{path}: {json.dumps(given)} became {json.dumps(kept)}"


def main():
    try:
        from kubernetes.client import ApiClient
    except ImportError as error:
        print(f"the kubernetes client is not installed ({error}): pip install kubernetes", file=sys.stderr)
        return 2
    text = open(sys.argv[1], encoding="utf-8").read() if len(sys.argv) > 1 else sys.stdin.read()
    try:
        manifest = json.loads(text)
    except ValueError as error:
        print(f"not JSON: {error}", file=sys.stderr)
        return 2
    if not isinstance(manifest, dict) or manifest.get("apiVersion") != "batch/v1" or manifest.get("kind") != "Job":
        print("not a batch/v1 Job (apiVersion and kind)", file=sys.stderr)
        return 1
    client = ApiClient()
    try:
        job = client.deserialize(text, "V1Job", "application/json")
    except Exception as error:  # the client raises pydantic's ValidationError, or ValueError/TypeError in older versions
        print(f"rejected by the V1Job model: {error}", file=sys.stderr)
        return 1
    problems = list(differences(manifest, client.sanitize_for_serialization(job)))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
