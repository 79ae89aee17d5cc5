"""Audit the pinned dependencies in requirements.txt for known vulnerabilities with pip-audit.

pip-audit asks PyPI's vulnerability data about every pinned version. This wrapper tells apart
what pip-audit's own exit code does not:

    0  every dependency was audited and none has a known vulnerability;
    1  a known vulnerability (each is printed with the versions that fix it);
    2  the audit itself failed (e.g. requirements.txt cannot be read): a fault to fix;
    3  the vulnerability data could not be reached, or some dependencies could not be looked up,
       so the result is *not* a pass. With --unavailable-ok (as in CI) this exits 0 after saying
       so loudly: an outage of the service must not block work, a known vulnerability must.

When pip-audit cannot look a dependency up (its per-version query is not served, as behind
some registry proxies), the audit asks PyPI's project data instead: for a project's latest
release it lists that release's known vulnerabilities. A dependency pinned at its latest
release is audited so; one pinned at an older release stays not audited, and is named.

The last line printed is one short verdict, for CI's summary.
"""

import argparse
import json
import re
import subprocess  # nosec B404 -- runs pip-audit with fixed arguments, no shell
import sys
import urllib.error
import urllib.request
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements.txt"
NETWORK_HINTS = ("connect", "network", "name resolution", "timed out", "max retries", "ssl")
CLEAN, VULNERABLE, FAILED, UNAVAILABLE = 0, 1, 2, 3
PROJECT_DATA = "https://pypi.org/pypi/{name}/json"
# Dependencies deliberately pinned below their latest release, and why: PyPI's project data
# cannot audit them, so the audit says so with the reason.
HELD = {"pyee": "playwright 1.65 requires pyee<15"}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;#]+)")


def pins(requirements: Path) -> dict[str, str]:
    """{normalised name: pinned version} of requirements.txt."""
    found = {}
    for line in requirements.read_text().splitlines():
        match = PIN.match(line.strip())
        if match:
            found[normalised(match.group(1))] = match.group(2)
    return found


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def project_data(name: str) -> dict | None:
    """PyPI's project data (its latest release and that release's vulnerabilities), or None."""
    url = PROJECT_DATA.format(name=urllib.request.quote(name))
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310  # nosec B310 -- a fixed https URL
            return json.load(response)
    except (urllib.error.URLError, TimeoutError, ValueError):
        return None


def second_look(skipped, pinned, fetch):
    """Audit the dependencies pip-audit skipped through PyPI's project data.

    Returns (vulnerability lines, audited count, lines naming what stays not audited)."""
    found, audited, missing = [], 0, []
    for dep in skipped:
        name = dep["name"]
        version = dep.get("version") or pinned.get(normalised(name), "?")
        data = fetch(name)
        latest = (data or {}).get("info", {}).get("version")
        if latest is None:
            missing.append(f"{name} {version}: not audited ({dep.get('skip_reason', 'no data')})")
            continue
        if latest != version:
            held = HELD.get(normalised(name))
            why = f"held below its latest release, {latest}: {held}" if held else None
            missing.append(f"{name} {version}: not audited ({why or f'PyPI data covers its latest release, {latest}'})")
            continue
        audited += 1
        for vuln in data.get("vulnerabilities") or []:
            if vuln.get("withdrawn"):
                continue
            fixes = ", ".join(vuln.get("fixed_in") or []) or "no fixed version yet"
            found.append(f"{name} {version}: {vuln.get('id', '?')} (fixed in: {fixes})")
    return found, audited, missing


def run_pip_audit(requirements: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pip_audit", "-r", str(requirements), "--format", "json"]
    command += ["--progress-spinner", "off"]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)  # noqa: S603  # nosec B603


def verdict(result: subprocess.CompletedProcess, pinned=None, fetch=project_data) -> tuple[int, list[str]]:
    """The exit code and the lines to print for one run of pip-audit; what it skipped is
    looked up through `fetch` (PyPI's project data), with the versions in `pinned`."""
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
    if not skipped:
        return CLEAN, [f"pip-audit: {len(dependencies)} dependencies audited, no known vulnerabilities"]
    found, audited, missing = second_look(skipped, pinned or {}, fetch)
    by_project_data = f"{audited} through PyPI's project data"
    if found:
        return VULNERABLE, [*found, f"pip-audit: {len(found)} known vulnerabilities ({by_project_data})"]
    if missing:
        return UNAVAILABLE, [
            *missing[:10],
            *([f"… and {len(missing) - 10} more"] if len(missing) > 10 else []),
            f"pip-audit: NOT AUDITED, {len(missing)} of {len(dependencies)} dependencies could not be looked up; "
            f"the other {len(dependencies) - len(missing)} ({by_project_data}) have no known vulnerabilities",
        ]
    return CLEAN, [f"pip-audit: {len(dependencies)} dependencies audited ({by_project_data}), no known vulnerabilities"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requirements", type=Path, default=REQUIREMENTS)
    parser.add_argument(
        "--unavailable-ok", action="store_true", help="exit 0 when the vulnerability data cannot be reached"
    )
    args = parser.parse_args(argv)
    code, lines = verdict(run_pip_audit(args.requirements), pins(args.requirements))
    print("\n".join(lines))
    if code == UNAVAILABLE and args.unavailable_ok:
        return CLEAN
    return code


if __name__ == "__main__":
    sys.exit(main())
