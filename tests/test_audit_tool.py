"""tools/audit_dependencies.py tells a vulnerability from an unreachable vulnerability service."""

import json
import subprocess

from tools.audit_dependencies import CLEAN, FAILED, UNAVAILABLE, VULNERABLE, pins, verdict

SKIPPED = {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited: django (6.1.3)"}


def projects(**data):
    """A stand-in for PyPI's project data (the network is not the code under test)."""
    return lambda name: data.get(name)


def latest(version, *vulnerabilities):
    return {"info": {"version": version}, "vulnerabilities": list(vulnerabilities)}


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
    code, lines = verdict(pip_audit_result(dependencies=[SKIPPED]), {"django": "6.1.3"}, fetch=projects())

    assert code == UNAVAILABLE
    assert "NOT AUDITED" in lines[-1]


def test_a_skipped_dependency_at_its_latest_release_is_audited_through_the_project_data():
    clean = verdict(
        pip_audit_result(dependencies=[SKIPPED]), {"django": "6.1.3"}, fetch=projects(django=latest("6.1.3"))
    )

    assert clean == (
        CLEAN,
        ["pip-audit: 1 dependencies audited (1 through PyPI's project data), no known vulnerabilities"],
    )


def test_a_vulnerability_in_the_project_data_fails_and_a_withdrawn_one_does_not():
    known = {"id": "GHSA-xxxx", "fixed_in": ["6.1.4"], "withdrawn": None}
    withdrawn = {"id": "GHSA-yyyy", "fixed_in": [], "withdrawn": "2026-11-01T00:00:00Z"}
    fetch = projects(django=latest("6.1.3", known, withdrawn))

    code, lines = verdict(pip_audit_result(dependencies=[SKIPPED]), {"django": "6.1.3"}, fetch=fetch)

    assert code == VULNERABLE
    assert lines[:-1] == ["django 6.1.3: GHSA-xxxx (fixed in: 6.1.4)"]


def test_a_dependency_pinned_below_its_latest_release_stays_not_audited_and_is_named():
    code, lines = verdict(
        pip_audit_result(dependencies=[SKIPPED]), {"django": "6.1.3"}, fetch=projects(django=latest("6.2.0"))
    )

    assert code == UNAVAILABLE
    assert lines[0] == "django 6.1.3: not audited (PyPI data covers its latest release, 6.2.0)"
    assert lines[-1].startswith("pip-audit: NOT AUDITED, 1 of 1 dependencies could not be looked up")


def test_pins_reads_names_versions_and_extras(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "# pinned\nDjango==6.1.3\npsycopg[binary]==3.3.2  # the driver\ntyping_extensions==4.15.0\n"
    )

    assert pins(requirements) == {"django": "6.1.3", "psycopg": "3.3.2", "typing-extensions": "4.15.0"}


def test_an_unreachable_service_is_unavailable_and_another_error_a_failure():
    offline = pip_audit_result(1, stderr="ConnectionError: Could not connect to PyPI's vulnerability feed")
    broken = pip_audit_result(1, stderr="requirements.txt: invalid requirement 'django=='")

    assert verdict(offline)[0] == UNAVAILABLE
    assert verdict(broken)[0] == FAILED


def test_a_held_dependency_is_named_with_the_reason():
    skipped = {"name": "pyee", "version": "13.0.0", "skip_reason": "Dependency not found on PyPI"}

    code, lines = verdict(pip_audit_result(dependencies=[skipped]), fetch=projects(pyee=latest("16.1.0")))

    assert code == UNAVAILABLE
    assert (
        lines[0] == "pyee 13.0.0: not audited (held below its latest release, 16.1.0: playwright 1.65 requires pyee<15)"
    )
