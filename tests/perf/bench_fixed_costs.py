"""The fixed costs every page pays, each against what it replaced, in-process on the scale-1 data: the navigation's
alert badge (cached, against its two queries), a date (the compiled formatter, against Babel's
``format_datetime``), a template string (``_()`` in one call, against Jinja's newstyle wrapper over Flask-Babel)
and the session's look-up (one statement, against session, account and coordinator queries). Medians of repeated
calls; the figures are microseconds of one call.

Run: ``.venv/bin/python -m tests.perf.bench_fixed_costs`` (writes ``tests/perf/results/fixed_costs.json``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tests.perf import harness, profile_request_cost
from tests.perf.harness import Row, info_row, ratio_row

NAME = "fixed_costs"
TITLE = "Fixed costs of a page: cached badge, compiled dates, one-call translations, one-statement session"


def per_call_us(work: Callable[[], Any], calls: int, repeat: int = 7) -> float:
    """Median microseconds of one call of ``work`` over ``repeat`` rounds of ``calls`` calls."""
    rounds = []
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(calls):
            work()
        rounds.append((time.perf_counter() - started) / calls * 1e6)
    return harness.median(rounds)


def _dates() -> tuple[float, float]:
    from babel.dates import format_datetime

    from cmc.i18n import timefmt

    moment = datetime(2026, 11, 30, 14, 5)
    pattern = timefmt.pattern("datetime", "fr")
    babel = per_call_us(lambda: format_datetime(moment, pattern, locale="fr"), 2000)
    compiled = timefmt.formatter("fr", "datetime")
    return per_call_us(lambda: compiled(moment), 2000), babel


def _strings(app: Any) -> tuple[float, float]:
    from flask_babel import Domain
    from jinja2.ext import _gettext_alias

    from cmc.i18n import catalogues

    source = "{% for i in range(100) %}{{ _('Home') }}{% endfor %}"
    with app.test_request_context("/?lang=fr"):
        per_string = per_call_us(app.jinja_env.from_string(source).render, 50) / 100
        # What it replaced: Jinja's alias and newstyle wrapper over Flask-Babel's lambda, whose domain looked
        # the catalogue up at each string.
        plain = Domain()
        app.jinja_env.install_gettext_callables(gettext=lambda s: plain.get_translations().ugettext(s),
                                                ngettext=lambda s, p, n: plain.get_translations().ungettext(s, p, n),
                                                newstyle=True)
        app.jinja_env.globals["_"] = _gettext_alias
        before = per_call_us(app.jinja_env.from_string(source).render, 50) / 100
    catalogues.install_templates(app)
    return per_string, before


def _database(app: Any, member: harness.Member) -> dict[str, float]:
    from sqlalchemy import select

    from cmc.extensions import db
    from cmc.models import Account, AuthSession, Membership, NetworkRole
    from cmc.services import alerts, auth

    with app.test_request_context("/"):
        actor = db.session.get(Account, member.account_id)
        assert actor is not None
        key = "bench-" + str(member.account_id)
        row = db.session.scalar(select(AuthSession).where(AuthSession.key_hash == auth.digest(key)))
        if row is None:
            db.session.add(AuthSession(key_hash=auth.digest(key), account_id=actor.id, address="127.0.0.1",
                                       user_agent="bench"))
            db.session.commit()
        figures = {
            "badge": per_call_us(lambda: alerts.navigation_badge(actor), 200),
            "badge_queries": per_call_us(lambda: (alerts.unacknowledged_count(actor), alerts.latest_id(actor)), 50),
        }

        def three_statements() -> None:
            found = db.session.scalar(select(AuthSession).where(AuthSession.key_hash == auth.digest(key)))
            assert found is not None
            db.session.expire_all()
            db.session.get(Account, found.account_id)
            db.session.scalar(select(Membership.id).where(Membership.account_id == found.account_id,
                                                          Membership.role == NetworkRole.COORDINATOR).limit(1))

        def one_statement() -> None:
            db.session.expire_all()
            auth.resume_session(key)

        figures["session"] = per_call_us(one_statement, 200)
        figures["session_before"] = per_call_us(three_statements, 200)
        db.session.remove()
    return figures


def main() -> None:
    """Measure each cost and its predecessor, write the result."""
    # ``--database-url URL``: an already seeded scale database instead of the benchmark's own.
    url = sys.argv[sys.argv.index("--database-url") + 1] if "--database-url" in sys.argv else None
    instance = profile_request_cost.open_instance(url)
    member = harness.pick_member(instance)
    app = instance.create_app()
    dates, dates_before = _dates()
    strings, strings_before = _strings(app)
    db = _database(app, member)
    rows: list[Row] = [
        ratio_row("navigation badge, cached (Redis)", db["badge"], "us", db["badge_queries"], at_most=0.5),
        info_row("navigation badge, its two queries", db["badge_queries"], "us"),
        ratio_row("date, compiled formatter", dates, "us", dates_before, at_most=0.5),
        info_row("date, Babel format_datetime", dates_before, "us"),
        ratio_row("template string _()", strings, "us", strings_before, at_most=0.5),
        info_row("template string, Jinja + Flask-Babel", strings_before, "us"),
        ratio_row("session, account, second factor: one statement", db["session"], "us", db["session_before"],
                  at_most=1.0),
        info_row("the same in three statements", db["session_before"], "us"),
    ]
    harness.write_result(NAME, TITLE, f"In-process on {instance.dataset} ({instance.name}), signed in as "
                         f"{member.email}; {harness.machine_description()}. The reference column is what each "
                         "replaced, measured in the same run.", rows)


if __name__ == "__main__":
    main()
