"""Approving a member's submitted draft in pages: the draft's page previews what approving publishes (the toast,
the e-mail subject, who it reaches) for the people who may approve it and nobody else; "Approve and publish"
sends the preview's token, refused (409) when the draft changed since, and a Severe or Extreme draft needs its
box ticked (422). Nothing is published by a refusal. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cmc.extensions import db
from cmc.models import Alert, AlertReceipt, AuditEvent
from cmc.models.audit import Outcome
from cmc.services import alerts, networks
from tests.conftest import csrf_from
from tests.integration.test_alert_compose import coordinator_client  # noqa: F401 (the fixture)
from tests.integration.test_alerts import alert_input, info, net  # noqa: F401 (the fixture)
from tests.integration.test_form_once import form_on


def submitted(net: Any, **overrides: Any) -> Alert:  # noqa: F811
    """A draft a member of TT submits (Severe unless ``overrides`` say otherwise)."""
    network, _admin, _coordinator, member = net
    draft, _ = alerts.publish(member(party="TT"), network.slug,
                              alert_input(infos=[info(headline="Boat off Tobago", **overrides)]), submit=True)
    return draft


def path(draft: Alert) -> str:
    return f"/alerts/{draft.id}/approve"


def approve_form(client: FlaskClient, draft: Alert) -> tuple[Any, list[tuple[str, str]]]:
    """The draft's page and the approval form it draws (the box not ticked)."""
    page = client.get(f"/alerts/{draft.id}")
    assert page.status_code == 200
    return page, form_on(page.get_data(as_text=True), path(draft))


def post(client: FlaskClient, draft: Alert, fields: list[tuple[str, str]]) -> Any:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return client.post(path(draft), data=data)


def published(draft: Alert) -> tuple[str, int, int]:
    """The draft's state, its receipts and the approvals audited (a refusal is audited as denied, apart):
    what a refusal must leave untouched."""
    db.session.expire_all()
    state = db.session.scalar(select(Alert.state).where(Alert.id == draft.id))
    receipts = db.session.scalar(select(func.count()).select_from(AlertReceipt).where(
        AlertReceipt.alert_id == draft.id))
    audits = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "alert.approve", AuditEvent.outcome == Outcome.OK))
    return str(state), int(receipts or 0), int(audits or 0)


NOTHING = ("submitted", 0, 0)


def test_the_draft_page_previews_what_approving_publishes(coordinator_client, net):  # noqa: F811
    client, _coordinator, network = coordinator_client
    draft = submitted(net)
    page, form = approve_form(client, draft)
    html = page.get_data(as_text=True)
    # TT, JM, BS, US; two coordinators, the author and two members: counted by the fan-out's own queries.
    assert alerts.recipients(network) == (4, 5)
    assert "It goes at once to 4 parties, 5 people: every party of" in html
    assert "I have checked this Severe alert: it goes to 4 parties, 5 people at once." in html
    assert '<div class="alert-toast severity-severe">' in html and "Migrant Smuggling &middot; TT</p>" in html
    assert "[Severe] Boat off Tobago</samp>" in html
    assert [n for n, _v in form] == ["csrf_token", "confirmation"] and dict(form)["confirmation"]
    assert published(draft) == NOTHING  # the page writes nothing


def test_a_severe_draft_is_published_only_with_the_box_ticked(coordinator_client, net):  # noqa: F811
    client, coordinator, _network = coordinator_client
    draft = submitted(net)
    _page, form = approve_form(client, draft)
    refused = post(client, draft, form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert published(draft) == NOTHING
    assert 'href="#confirm_severe">Tick the box to confirm this Severe alert before publishing it.' in html
    assert 'id="confirm_severe-error"' in html and 'aria-invalid="true"' in html
    done = post(client, draft, [*form_on(html, path(draft)), ("confirm_severe", "y")])
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/alerts/{draft.id}")
    assert published(draft) == ("published", 4, 1)
    assert db.session.get(Alert, draft.id).approved_by_id == coordinator.id
    assert "The alert is published." in client.get(f"/alerts/{draft.id}").get_data(as_text=True)


def test_an_extreme_draft_needs_the_box_too(coordinator_client, net):  # noqa: F811
    client, _coordinator, _network = coordinator_client
    draft = submitted(net, severity="Extreme")
    _page, form = approve_form(client, draft)
    assert post(client, draft, form).status_code == 422 and published(draft) == NOTHING


def test_a_minor_draft_needs_no_box(coordinator_client, net):  # noqa: F811
    client, _coordinator, _network = coordinator_client
    draft = submitted(net, severity="Minor")
    page, form = approve_form(client, draft)
    html = page.get_data(as_text=True)
    assert 'name="confirm_severe"' not in html and 'id="preview-subject-none"' in html
    assert "It goes at once to 4 parties, 5 people" in html
    assert post(client, draft, form).status_code == 302
    assert published(draft) == ("published", 4, 1)


def test_a_draft_changed_after_the_page_was_drawn_is_not_published(coordinator_client, net):  # noqa: F811
    client, _coordinator, _network = coordinator_client
    draft = submitted(net)
    _page, form = approve_form(client, draft)
    # No page edits a submitted draft today; the token guards the day one does (or a script changes the row).
    draft.infos[0].headline = "Two boats off Tobago"
    db.session.commit()
    refused = post(client, draft, [*form, ("confirm_severe", "y")])
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and published(draft) == NOTHING
    assert "The draft changed after you opened it: check it again, then approve it." in html
    assert "Two boats off Tobago" in html  # previewed afresh, with a new token
    again = form_on(html, path(draft))
    assert dict(again)["confirmation"] != dict(form)["confirmation"]
    assert post(client, draft, [*again, ("confirm_severe", "y")]).status_code == 302
    assert published(draft)[0] == "published"


def test_a_missing_or_foreign_token_is_refused(coordinator_client, net):  # noqa: F811
    client, _coordinator, _network = coordinator_client
    draft, other = submitted(net), submitted(net)
    _page, form = approve_form(client, draft)
    csrf = [(n, v) for n, v in form if n == "csrf_token"]
    assert post(client, draft, [*csrf, ("confirm_severe", "y")]).status_code == 409  # the old one-click form
    _page, other_form = approve_form(client, other)
    assert post(client, draft, [*csrf, ("confirmation", dict(other_form)["confirmation"]),
                                ("confirm_severe", "y")]).status_code == 409
    assert published(draft) == NOTHING and published(other) == NOTHING


def test_the_token_binds_the_coordinator(net):  # noqa: F811
    """A token is the previewing coordinator's: another coordinator must see the preview themselves."""
    network, admin, coordinator, member = net
    draft = submitted(net)
    second = member(party="JM")
    networks.add_member(admin, network.slug, second.id, "coordinator")
    with pytest.raises(alerts.StaleConfirmation):
        alerts.approve(second, draft.id, token=alerts.draft_token(coordinator, draft), severe_checked=True)
    with pytest.raises(alerts.SevereNotConfirmed) as refused:
        alerts.approve(second, draft.id, token=alerts.draft_token(second, draft), severe_checked=False)
    assert refused.value.status == 422 and published(draft) == NOTHING


def test_who_may_not_approve_sees_no_preview_and_is_refused(net, sign_in, app):  # noqa: F811
    network, _admin, _coordinator, member = net
    author, colleague = member(party="TT"), member(party="JM")
    draft, _ = alerts.publish(author, network.slug, alert_input(), submit=True)
    clients = {}
    for name, account in (("author", author), ("colleague", colleague)):
        clients[name] = app.test_client()
        assert sign_in(clients[name], account).status_code == 302
    html = clients["author"].get(f"/alerts/{draft.id}").get_data(as_text=True)
    assert 'id="review-box"' not in html and 'id="preview-reach"' not in html and "Approve and publish" not in html
    token = alerts.draft_token(author, draft)  # even the right token of their own: the author may not approve
    sent = {"csrf_token": csrf_from(html), "confirmation": token, "confirm_severe": "y"}
    assert clients["author"].post(path(draft), data=sent).status_code == 403
    # A member of the network who is not the author does not learn the draft exists.
    colleague_html = clients["colleague"].get("/alerts").get_data(as_text=True)
    assert clients["colleague"].get(f"/alerts/{draft.id}").status_code == 404
    assert clients["colleague"].post(path(draft), data={**sent, "csrf_token": csrf_from(colleague_html)}
                                     ).status_code == 404
    assert published(draft) == NOTHING
