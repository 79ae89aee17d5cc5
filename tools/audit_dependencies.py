"""Audit the pinned dependencies in requirements.txt for known vulnerabilities with pip-audit.

pip-audit asks PyPI's vulnerability data about every pinned version. This wrapper tells apart
what pip-audit's own exit code does not:

    0  every dependency was audited and none has a known vulnerability;
    1  a known vulnerability (each is printed with the versions that fix it);
    2  the audit itself failed (e.g. requirements.txt cannot be read): a fault to fix;
    3  the vulnerability data could not be reached, or some dependencies could not be looked up,
       so the result is *not* a pass. With --unavailable-ok (as in CI) this exits 0 after saying
       so loudly: an outage of the service must not block work, a known vulnerability must.

The last line printed is one short verdict, for CI's summary.
"""

import argparse
import json
import subprocess  # nosec B404 -- runs pip-audit with fixed arguments, no shell
import sys
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements.txt"
NETWORK_HINTS = ("connect", "network", "name resolution", "timed out", "max retries", "ssl")
CLEAN, VULNERABLE, FAILED, UNAVAILABLE = 0, 1, 2, 3


def run_pip_audit(requirements: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pip_audit", "-r", str(requirements), "--format", "json"]
    command += ["--progress-spinner", "off"]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)  # noqa: S603  # nosec B603


def verdict(result: subprocess.CompletedProcess) -> tuple[int, list[str]]:
    """The exit code and the lines to print for one run of pip-audit."""
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        report = None
    if not isinstance(report, dict):
        message = (result.stderr or result.stdout).strip().splitlines()[-3:]
        if any(hint in " ".join(message).lower() for hint in NETWORK_HINTS):
            return UNAVAILABLE, [*message, "pip-audit: NOT AUDITED, the vulnerability service could not be reached"]
        return FAILED, [*message, f"pip-audit: FAILED (exit {result.returncode})"]
    dependencies = report.get("dependencies", [])
    lines = []
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            lines.append(f"{dep['name']} {dep.get('version', '?')}: {vuln['id']} (fixed in: {fixes})")
    if vulnerable:
        return VULNERABLE, [*lines, f"pip-audit: {len(lines)} known vulnerabilities in {len(vulnerable)} packages"]
    skipped = [dep for dep in dependencies if dep.get("skip_reason")]
    if skipped:
        lines = [f"{dep['name']}: {dep['skip_reason']}" for dep in skipped]
        return UNAVAILABLE, [
            *lines[:5],
            *([f"… and {len(lines) - 5} more"] if len(lines) > 5 else []),
            f"pip-audit: NOT AUDITED, {len(skipped)} of {len(dependencies)} dependencies could not be looked up "
            "in the vulnerability data (is PyPI's JSON API reachable from here?)",
        ]
    return CLEAN, [f"pip-audit: {len(dependencies)} dependencies audited, no known vulnerabilities"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requirements", type=Path, default=REQUIREMENTS)
    parser.add_argument(
        "--unavailable-ok", action="store_true", help="exit 0 when the vulnerability data cannot be reached"
    )
    args = parser.parse_args(argv)
    code, lines = verdict(run_pip_audit(args.requirements))
    print("\n".join(lines))
    if code == UNAVAILABLE and args.unavailable_ok:
        return CLEAN
    return code


if __name__ == "__main__":
    sys.exit(main())
