"""Configuration order and the refusal to run without a proper secret key."""

from __future__ import annotations

import pytest

from cmc import create_app
from cmc.config import ConfigError


def _base(tmp_path, **extra):
    return {"INSTANCE_PATH": str(tmp_path), "SKIP_INSTANCE_CONFIG": False, **extra}


def test_short_or_missing_secret_key_is_refused_outside_tests(tmp_path, monkeypatch):
    monkeypatch.delenv("CMC_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is missing"):
        create_app(_base(tmp_path))
    with pytest.raises(ConfigError, match="shorter than 32"):
        create_app(_base(tmp_path, SECRET_KEY="short"))


def test_order_defaults_instance_file_environment_then_argument(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text(
        "SECRET_KEY = 'from-the-instance-file-" + "y" * 20 + "'\nINVITATION_HOURS = 24\nMAIL_PORT = 2525\n"
    )
    monkeypatch.setenv("CMC_INVITATION_HOURS", "48")
    app = create_app(_base(tmp_path))
    assert app.config["SECRET_KEY"].startswith("from-the-instance-file")
    assert app.config["MAIL_PORT"] == 2525  # instance file over default
    assert app.config["INVITATION_HOURS"] == 48  # environment over instance file
    app = create_app(_base(tmp_path, INVITATION_HOURS=12))
    assert app.config["INVITATION_HOURS"] == 12  # the argument wins


def test_environment_values_are_typed_and_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("CMC_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("CMC_SECURE_COOKIES", "yes")
    monkeypatch.setenv("CMC_MAIL_SERVER", "smtp.example.org")  # production settings need a mail server
    monkeypatch.setenv("CMC_SESSION_IDLE_MINUTES", "15")
    app = create_app(_base(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["SESSION_IDLE_MINUTES"] == 15
    monkeypatch.setenv("CMC_SESSION_IDLE_MINUTES", "soon")
    with pytest.raises(ConfigError, match="CMC_SESSION_IDLE_MINUTES must be int"):
        create_app(_base(tmp_path))


def test_database_defaults_to_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CMC_SECRET_KEY", "k" * 40)
    monkeypatch.delenv("CMC_DATABASE_URL", raising=False)
    app = create_app(_base(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/cmc.db"
    app = create_app(_base(tmp_path, DATABASE_URL="postgresql://u@h/db"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_wildcard_origin_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("CMC_SECRET_KEY", "k" * 40)
    with pytest.raises(ConfigError, match="may not contain"):
        create_app(_base(tmp_path, ALLOWED_ORIGINS="*"))


def test_example_config_documents_every_setting():
    from pathlib import Path

    from cmc.config import ENV_SETTINGS

    text = (Path(__file__).resolve().parents[2] / "instance" / "config.example.py").read_text()
    for name in ENV_SETTINGS:
        assert f"{name} =" in text or f"# {name} =" in text, f"{name} is not documented in config.example.py"


def test_the_examples_placeholder_key_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("CMC_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="placeholder"):
        create_app(_base(tmp_path, SECRET_KEY="change-me-to-a-long-random-string-of-48-characters"))


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(tmp_path, monkeypatch):
    monkeypatch.setenv("CMC_SECRET_KEY", "k" * 40)
    app = create_app(_base(tmp_path, PROXY_HOPS=1))
    from flask import request

    @app.get("/probe-address")
    def probe() -> str:
        return request.remote_addr or ""

    from cmc.http.access import Access, access

    access(Access.PUBLIC)(probe)
    response = app.test_client().get("/probe-address", headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.get_data(as_text=True) == "203.0.113.7"
