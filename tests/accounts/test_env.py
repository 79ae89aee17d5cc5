import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_secret, env_str


def test_env_str_requires_value_without_default(monkeypatch):
    monkeypatch.delenv("ST_TEST_VALUE", raising=False)
    with pytest.raises(ImproperlyConfigured, match="ST_TEST_VALUE"):
        env_str("ST_TEST_VALUE")


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("", False)])
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("ST_TEST_FLAG", raw)
    assert env_bool("ST_TEST_FLAG") is expected


def test_env_bool_fails_loudly_on_typo(monkeypatch):
    monkeypatch.setenv("ST_TEST_FLAG", "ture")
    with pytest.raises(ImproperlyConfigured, match="not a boolean"):
        env_bool("ST_TEST_FLAG")


def test_env_int_fails_loudly(monkeypatch):
    monkeypatch.setenv("ST_TEST_INT", "5x")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("ST_TEST_INT", 3)


def test_env_list_splits_and_trims(monkeypatch):
    monkeypatch.setenv("ST_TEST_LIST", " a.se, b.se ,,")
    assert env_list("ST_TEST_LIST") == ["a.se", "b.se"]


def test_env_secret_reads_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("ST_TEST_SECRET_FILE", str(secret))
    assert env_secret("ST_TEST_SECRET") == "s3cret"


def test_production_settings_refuse_to_start_without_secret_key():
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
