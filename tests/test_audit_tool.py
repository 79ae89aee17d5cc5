"""tools/audit_dependencies.py tells a vulnerability from an unreachable vulnerability service."""

import json
import subprocess

from tools.audit_dependencies import CLEAN, FAILED, UNAVAILABLE, VULNERABLE, verdict


def pip_audit_result(returncode=0, dependencies=None, stderr=""):
    stdout = "" if dependencies is None else json.dumps({"dependencies": dependencies, "fixes": []})
    return subprocess.CompletedProcess(["pip-audit"], returncode, stdout=stdout, stderr=stderr)


def test_all_audited_and_clean_passes():
    code, lines = verdict(pip_audit_result(dependencies=[{"name": "django", "version": "6.1.3", "vulns": []}]))

    assert code == CLEAN
    assert lines[-1] == "pip-audit: 1 dependencies audited, no known vulnerabilities"


def test_a_known_vulnerability_fails_and_names_the_fix():
    vuln = {"id": "PYSEC-0000-1", "fix_versions": ["6.1.4"], "description": "…"}
    code, lines = verdict(pip_audit_result(1, [{"name": "django", "version": "6.1.3", "vulns": [vuln]}]))

    assert code == VULNERABLE
    assert lines[0] == "django 6.1.3: PYSEC-0000-1 (fixed in: 6.1.4)"


def test_dependencies_that_could_not_be_looked_up_are_not_a_pass():
    skipped = {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited"}
    code, lines = verdict(pip_audit_result(dependencies=[skipped]))

    assert code == UNAVAILABLE
    assert "NOT AUDITED" in lines[-1]


def test_an_unreachable_service_is_unavailable_and_another_error_a_failure():
    offline = pip_audit_result(1, stderr="ConnectionError: Could not connect to PyPI's vulnerability feed")
    broken = pip_audit_result(1, stderr="requirements.txt: invalid requirement 'django=='")

    assert verdict(offline)[0] == UNAVAILABLE
    assert verdict(broken)[0] == FAILED
