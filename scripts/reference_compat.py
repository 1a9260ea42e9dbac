#!/usr/bin/env python3
"""Runs mxcp validate, list, test and run over the reference MXCP's offline fixtures and examples (see
reference-compat.sh) and prints a table: what the reference's own tests expect of each project, and what Mxcp did.

The expectations below are taken from the reference's test suite (tests/server/test_*.py): the validation status it
asserts per file, the test-suite status it asserts per endpoint, and the outcome (and a piece of the message) of the
calls it makes. Projects whose tests need the network or dbt say so in their notes."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Run:
    args: list
    ok: bool
    contains: str = ""          # expected in stdout (ok) or in the error (not ok)
    user: dict | None = None    # --user-context
    headers: dict | None = None  # --request-headers


@dataclass
class Project:
    path: str                   # relative to the reference checkout
    expects: str                # what the reference's test suite expects, in words
    validate: dict = field(default_factory=dict)  # file -> "ok" | "error", as the reference's tests assert
    tests: dict = field(default_factory=dict)     # endpoint -> suite status, as the reference's tests assert
    runs: list = field(default_factory=list)
    env: dict = field(default_factory=dict)
    note: str = ""
    deliberate: dict = field(default_factory=dict)  # expectation -> why Mxcp differs on purpose (not counted as a mismatch)
    offline: bool = False       # measure with the site's `extensions:` removed (DuckDB downloads them)


def admin(uid, role, perms):
    return {"user_id": uid, "role": role, "permissions": perms}


PROJECTS = [
    Project("tests/server/fixtures/cli-run", "run: --param values and @file.json accepted; bad formats rejected (exit 2)",
            runs=[Run(["tool", "test_tool", "--param", "name=value", "--param", "data={}"], True),
                  Run(["tool", "test_tool", "--param", "invalid"], False, "Parameter must be in format"),
                  Run(["tool", "test_tool", "--param", "data=@/nonexistent.json"], False, "JSON file not found")]),
    Project("tests/server/fixtures/drift/no-changes", "drift-check: no drift against the committed baseline",
            runs=[Run(["@drift-check"], True, "NO DRIFT")]),
    Project("tests/server/fixtures/drift/has-changes", "drift-check: 1 resource added, 1 modified (exit 1)",
            runs=[Run(["@drift-check"], False, "Resources: 1 added, 0 removed, 1 modified")]),
    Project("tests/server/fixtures/endpoint-execution", "run example with typed parameters returns rows",
            runs=[Run(["tool", "example", "--param", "name=Ann", "--param", "age=30", "--param", "tags=[\"a\"]",
                       "--param", "preferences={\"notifications\": true, \"theme\": \"dark\"}"], True, "Ann")]),
    Project("tests/server/fixtures/integration", "Python tools; user tables come from `dbt seed` + `dbt run` (tests skip without dbt)",
            runs=[Run(["tool", "echo_message", "--param", "message=Hello MXCP!"], True, "!PCXM olleH"),
                  Run(["tool", "check_optional_params", "--param", "required_param=test_value"], True, "default_value"),
                  Run(["tool", "check_secret"], True, "initial_key_123"),
                  Run(["tool", "get_global_var"], True, "initial_key_123"),
                  Run(["tool", "count_item_keys_strict", "--param", "items=[{\"objid\": 1, \"extra\": \"x\"}]"], False, "")],
            env={"MXCP_TEST_ENV": "dummy"}),
    Project("tests/server/fixtures/list", "list: every file loads (disabled tool left out); validate not asserted",
            runs=[Run(["@list", "--json-output"], True, "tool1")],
            note="tool1's SQL is a Jinja placeholder ({{input}}), which validate rejects here and in the reference; "
                 "unused parameters are warnings here, errors in the reference's validate"),
    Project("tests/server/fixtures/mcp", "served over MCP; example tool runs",
            runs=[Run(["tool", "example", "--param", "name=Ann", "--param", "age=30", "--param", "tags=[\"a\"]",
                       "--param", "preferences={\"notifications\": false}"], True, "Ann")]),
    Project("tests/server/fixtures/policies", "input policies deny with their reasons; output policies filter and mask",
            runs=[Run(["tool", "employee_info", "--param", "employee_id=emp123"], False, "Guests cannot access employee information", user=admin("guest123", "guest", [])),
                  Run(["tool", "employee_info", "--param", "employee_id=emp123"], False, "Missing 'employee.read' permission", user=admin("emp456", "user", [])),
                  Run(["tool", "employee_info", "--param", "employee_id=emp456"], False, "You can only view your own employee information", user=admin("emp123", "user", ["employee.read"])),
                  Run(["tool", "employee_info", "--param", "employee_id=emp123"], True, "\"ssn\": \"****\"", user=admin("emp123", "user", ["employee.read"])),
                  Run(["tool", "employee_info", "--param", "employee_id=emp123"], True, "\"phone\": \"555-1234\"", user=admin("hr001", "hr", ["employee.read", "pii.view"])),
                  Run(["tool", "employee_info", "--param", "employee_id=emp123"], False, "Missing 'employee.read' permission"),
                  Run(["tool", "test_user_collision", "--param", "user=test_value"], True, "Test User for test_value", user=admin("regular123", "user", [])),
                  Run(["tool", "test_user_collision", "--param", "user=test_value"], False, "Test policy that should check user context role", user=admin("admin123", "admin", []))]),
    Project("tests/server/fixtures/return-type-validation", "results shaped to the return type; wrong shapes and extra columns fail",
            runs=[Run(["tool", "array_endpoint", "--param", "name=test", "--param", "age=30"], True, "test"),
                  Run(["tool", "object_endpoint", "--param", "name=test", "--param", "age=30"], True, "\"age\": 30"),
                  Run(["tool", "scalar_endpoint", "--param", "value=42"], True, "42"),
                  Run(["tool", "error_endpoint", "--param", "error_type=multiple_rows"], False, ""),
                  Run(["tool", "error_endpoint", "--param", "error_type=multiple_columns"], False, ""),
                  Run(["tool", "error_endpoint", "--param", "error_type=no_rows"], False, ""),
                  Run(["tool", "strict_endpoint"], True, "Alice"),
                  Run(["tool", "strict_endpoint_extra"], False, ""),
                  Run(["tool", "flexible_endpoint"], True, "\"extra\": \"extra\"")]),
    Project("tests/server/fixtures/runner", "tools, a resource whose parameters are not in its URI, prompts, headers",
            runs=[Run(["tool", "simple_tool", "--param", "a=1", "--param", "b=2"], True, "3"),
                  Run(["tool", "simple_tool", "--param", "a=1"], False, "Required parameter missing: b"),
                  Run(["tool", "simple_tool", "--param", "a=not_a_number", "--param", "b=2"], False, "Expected number, got str"),
                  Run(["resource", "data://date.resource", "--param", "date=2024-03-20", "--param", "format=iso"], True, "2024-03-20"),
                  Run(["resource", "data://date.resource", "--param", "date=2024-03-20", "--param", "format=invalid_format"], False, "Must be one of: ['iso', 'unix', 'human']"),
                  Run(["prompt", "greeting_prompt", "--param", "name=World", "--param", "time_of_day=morning"], True, "\"role\": \"system\""),
                  Run(["prompt", "greeting_prompt", "--param", "name=" + "A" * 51], False, "String must be at most 50 characters long"),
                  Run(["prompt", "greeting_prompt", "--param", "time_of_day=morning"], False, "Required parameter missing: name"),
                  Run(["tool", "nonexistent"], False, "not found"),
                  Run(["tool", "headers"], True, "\"result\": null"),
                  Run(["tool", "headers"], True, "Bearer test-token", headers={"Authorization": "Bearer test-token"}),
                  Run(["tool", "headers_sql"], True, "\"headers_json\": null"),
                  Run(["tool", "headers_sql"], True, "Bearer sql-token", headers={"Authorization": "Bearer sql-token", "X-Trace-Id": "trace-123"}),
                  Run(["tool", "mcp_logging_demo"], True, "\"ok\": true")]),
    Project("tests/server/fixtures/runtime", "mxcp.runtime API tests pass (tests/server/test_runtime.py)",
            tests={"tool/test_db_execute": "ok", "tool/test_get_secret": "ok", "tool/test_get_setting": "ok", "tool/test_config_properties": "ok",
                   "tool/test_plugins": "ok", "tool/test_lifecycle_hooks": "ok", "tool/test_error_handling": "ok"},
            offline=True,
            note="measured without the site's httpfs extension, which DuckDB downloads"),
    Project("tests/server/fixtures/secret-injection", "secrets reach DuckDB (duckdb_secrets())",
            runs=[Run(["tool", "secret_test"], True, "bearer_token=bearer_token"),
                  Run(["tool", "http_headers_test"], True, "Authorization=Bearer test_token")],
            deliberate={"run tool secret_test": "DuckDB 1.5.6 itself redacts an http secret's bearer_token in duckdb_secrets(), as for a plain CREATE SECRET; Mxcp adds no redaction there"}),
    Project("tests/server/fixtures/secrets", "test of list_secrets passes",
            tests={"tool/list_secrets": "ok"}),
    Project("tests/server/fixtures/serve-errors", "invalid_tool fails validation on purpose; valid_tool serves",
            validate={"tools/invalid_tool.yml": "error", "tools/valid_tool.yml": "ok"},
            runs=[Run(["tool", "valid_tool"], True, "")]),
    Project("tests/server/fixtures/test-repo", "list shows the example tool",
            runs=[Run(["@list"], True, "example")]),
    Project("tests/server/fixtures/tester", "tests fail on purpose: overall status error",
            tests={"tool/valid_tool": "ok", "tool/invalid_tool": "error", "resource/data://valid.resource": "error",
                   "prompt/valid_prompt": "failed", "tool/missing_param_tool": "error", "tool/mismatched_result": "failed"}),
    Project("tests/server/fixtures/validation", "invalid files fail validation on purpose",
            validate={"tools/valid_endpoint.yml": "ok", "prompts/valid_prompt.yml": "ok", "prompts/invalid_prompt.yml": "error",
                      "tools/invalid_parameter_name.yml": "error", "tools/missing_param.yml": "error",
                      "prompts/complex_jinja_prompt.yml": "ok", "prompts/invalid_complex_jinja_prompt.yml": "error",
                      "tools/duplicate_name_tool1.yml": "error", "tools/duplicate_name_tool2.yml": "error",
                      "resources/duplicate_uri_resource1.yml": "error", "resources/duplicate_uri_resource2.yml": "error"},
            deliberate={"validate tools/missing_param.yml": "a declared parameter the SQL does not use is a warning (issue 15: run must not be blocked)"}),
    Project("examples/python-demo", "example: Python tools over DuckDB",
            runs=[Run(["tool", "create_sample_data", "--param", "table_name=demo", "--param", "row_count=10"], True, ""),
                  Run(["tool", "analyze_numbers", "--param", "numbers=[1,2,3,4]"], True, "2.5")]),
    Project("examples/plugin", "example: DuckDB plugin UDF decipher (tests: 1)",
            tests={"tool/decipher": "ok"},
            runs=[Run(["tool", "decipher", "--param", "message=usbmbmb"], True, "tralala")]),
    Project("examples/earthquakes", "example: reads the USGS feed over HTTPS",
            note="its tool and test need the network"),
    Project("examples/covid_owid", "example: tables come from dbt models over the network",
            note="a prompt only; the data needs dbt and the network"),
    Project("examples/keycloak", "auth example: get_user_info runs as the CLI user",
            runs=[Run(["tool", "get_user_info"], True, "\"username\": \"ann\"", user={"username": "ann"})], note="login itself needs Keycloak"),
    Project("examples/oidc", "auth example: get_user_info",
            runs=[Run(["tool", "get_user_info"], True, "\"username\"")], note="login itself needs an OIDC provider"),
    Project("examples/oidc-verifier", "auth example: get_user_info",
            runs=[Run(["tool", "get_user_info"], True, "\"username\"")], note="token verification needs the provider"),
    Project("examples/google-calendar", "auth example: Python tools calling Google",
            note="every call needs Google"),
    Project("examples/salesforce-oauth", "auth example: Python tools calling Salesforce",
            note="tests and calls need Salesforce"),
]


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        print("usage: reference-compat.sh REFERENCE_DIR [MXCP]", file=sys.stderr)
        return 2

    reference = Path(sys.argv[1]).resolve()
    root = Path(__file__).resolve().parent.parent
    mxcp = Path(sys.argv[2] if len(sys.argv) > 2 else root / "artifacts" / "mxcp" / "mxcp").resolve()
    if not (reference / "tests" / "server" / "fixtures").is_dir():
        print(f"{reference} is not a checkout of raw-labs/mxcp (no tests/server/fixtures)", file=sys.stderr)
        return 2
    if not mxcp.exists():
        print(f"{mxcp} not found: run ./run-sample.sh --help once, or pass the path of mxcp", file=sys.stderr)
        return 2

    rows, details = [], []
    with tempfile.TemporaryDirectory(prefix="mxcp-compat-") as work:
        for project in PROJECTS:
            row, problems = measure(project, reference, Path(work), mxcp)
            rows.append(row)
            details.extend(f"{project.path}: {p}" for p in problems)

    header = ["project", "reference expects", "validate ok/total", "list ok/total", "tests passed/total", "runs as expected", "matches reference", "notes"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |")
    if details:
        print()
        print("Differences from the reference's expectations:")
        for d in details:
            print(f"- {d}")
    return 0


def measure(project, reference, work, mxcp):
    source = reference / project.path
    target = work / project.path.replace("/", "_")
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.duckdb", "*.duckdb.wal", "target", "dbt_packages"))
    if project.offline:
        site = target / "mxcp-site.yml"
        site.write_text(re.sub(r"(?ms)^extensions:\n(?:[ \t]+-.*\n?)+", "", site.read_text(encoding="utf-8")), encoding="utf-8")
    home = work / (target.name + ".home")
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MXCP_")}
    env["HOME"] = str(home)
    for name in ("mxcp-config.yml", "config.yml"):
        if (target / name).exists():
            env["MXCP_CONFIG"] = str(target / name)
            # The examples read their secrets from the environment: any value lets them load offline.
            for var in re.findall(r"\$\{([A-Z0-9_]+)\}", (target / name).read_text(encoding="utf-8")):
                env.setdefault(var, "dummy")
            break
    env.update(project.env)

    def mxcp_run(*args):
        p = subprocess.run([str(mxcp), *args], cwd=target, env=env, capture_output=True, text=True, timeout=300)
        return p.returncode, p.stdout, p.stderr

    problems = []
    notes = [project.note] if project.note else []

    code, out, err = mxcp_run("validate", "--json-output")
    validated = envelope(out).get("validated", [])
    ok = sum(1 for v in validated if v["status"] == "ok")
    validate_cell = f"{ok}/{len(validated)}" if validated else first_line(envelope_error(out) or err) or "0/0"
    by_path = {v["path"]: v for v in validated}
    for path, expected in project.validate.items():
        actual = by_path.get(path, {}).get("status", "missing")
        if actual != expected:
            problems.append(f"validate {path}: expected {expected}, got {actual} ({first_line(by_path.get(path, {}).get('message', ''))})")
    warned = [v["path"] for v in validated if v.get("warnings")]
    if warned:
        notes.append(f"warnings: {', '.join(warned)}")
    unasserted = [v for v in validated if v["status"] != "ok" and v["path"] not in project.validate]
    if unasserted:
        notes.append("validate errors the reference's tests do not assert: "
                     + ", ".join(f"{v['path']} ({short(v.get('message', '').replace(str(target) + os.sep, ''))})" for v in unasserted))

    code, out, err = mxcp_run("list", "--json-output")
    endpoints = envelope(out).get("endpoints", [])
    list_cell = f"{sum(1 for e in endpoints if not e['error'])}/{len(endpoints)}" if endpoints else first_line(envelope_error(out) or err) or "0/0"

    code, out, err = mxcp_run("test", "--json-output")
    report = envelope(out)
    suites = report.get("endpoints", [])
    tests = [t for s in suites for t in s["test_results"].get("tests", [])]
    passed = sum(1 for t in tests if t["status"] == "passed")
    tests_cell = f"{passed}/{len(tests)}" if suites else first_line(envelope_error(out) or err) or "0/0"
    by_endpoint = {s["endpoint"]: s["test_results"] for s in suites}
    for endpoint, expected in project.tests.items():
        actual = by_endpoint.get(endpoint, {}).get("status", "missing")
        if actual != expected:
            message = by_endpoint.get(endpoint, {}).get("message") or next(
                (t.get("error") for t in by_endpoint.get(endpoint, {}).get("tests", []) if t["status"] != "passed"), "")
            problems.append(f"test {endpoint}: expected {expected}, got {actual} ({first_line(message or '')[:160]})")

    good = 0
    for run in project.runs:
        if run.args[0].startswith("@"):
            code, out, err = mxcp_run(run.args[0][1:], *run.args[1:])
            text = out + err
        else:
            args = ["run", *run.args, "--json-output"]
            if run.user is not None:
                args += ["--user-context", json.dumps(run.user)]
            if run.headers is not None:
                args += ["--request-headers", json.dumps(run.headers)]
            code, out, err = mxcp_run(*args)
            text = out + err
        succeeded = code == 0
        if succeeded == run.ok and run.contains in text:
            good += 1
        else:
            problems.append(f"run {' '.join(run.args)}: expected {'success' if run.ok else 'an error'}"
                            f"{' with ' + repr(run.contains) if run.contains else ''}, got exit {code}: {first_line(envelope_error(out) or out or err)[:200]}")
    runs_cell = f"{good}/{len(project.runs)}" if project.runs else "-"
    own = []
    for p in problems:
        why = next((w for key, w in project.deliberate.items() if p.startswith(key + ":") or p.startswith(key + " ")), None)
        if why is None:
            own.append(p)
        else:
            notes.append(f"on purpose: {p.split(':')[0]} ({why})")
    matches = "yes" if not own else f"no ({len(own)})"
    # Messages name files in the temporary copy: show them relative to the project.
    notes_cell = "; ".join(notes).replace(str(target) + os.sep, "")
    return [project.path, project.expects, validate_cell, list_cell, tests_cell, runs_cell, matches, notes_cell], own


def envelope(text):
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data.get("result") or {} if isinstance(data, dict) and data.get("status") == "ok" else {}


def envelope_error(text):
    try:
        data = json.loads(text)
    except ValueError:
        return ""
    return data.get("error", "") if isinstance(data, dict) else ""


def short(message):
    """The gist of an error message: without the file prefix, cut at 70 characters."""
    text = re.sub(r"^[\w./-]+\.ya?ml(:\d+:\d+)?: ", "", first_line(message))
    return text if len(text) <= 70 else text[:67] + "..."


def first_line(text):
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


if __name__ == "__main__":
    sys.exit(main())
