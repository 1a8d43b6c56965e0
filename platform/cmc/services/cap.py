"""CAP 1.2: export an alert as XML that validates against the OASIS schema, an Atom feed per network, and
import from CAP XML with entity expansion, DTDs and network access off."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from xml.etree import ElementTree as ET

from flask import current_app
from flask_babel import gettext as _
from lxml import etree

from cmc.models import Alert, Network
from cmc.services.alerts import AlertInput, InfoInput
from cmc.services.errors import ValidationError

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
LANGUAGE_TAGS = {"en": "en", "es": "es", "fr": "fr", "nl": "nl"}
MAX_IMPORT_BYTES = 512 * 1024


def cap_time(value: datetime) -> str:
    """CAP's date-time form: YYYY-MM-DDThh:mm:ss+00:00 (no Z, no fractions: the schema refuses them)."""
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def sender_id(alert: Alert) -> str:
    """The CAP sender: the platform's id and the originating party."""
    return f"{current_app.config.get('CAP_SENDER', 'cmc-platform')}.{alert.party.code.lower()}"


def to_xml(alert: Alert) -> bytes:
    """The alert as a CAP 1.2 document (UTF-8 bytes)."""
    ET.register_namespace("", CAP_NS)

    def sub(parent: ET.Element, tag: str, text: str | None) -> ET.Element:
        element = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
        if text is not None:
            element.text = text
        return element

    root = ET.Element(f"{{{CAP_NS}}}alert")
    sub(root, "identifier", alert.identifier)
    sub(root, "sender", sender_id(alert))
    sub(root, "sent", cap_time(alert.published_at or alert.created_at))
    sub(root, "status", str(alert.status))
    sub(root, "msgType", str(alert.msg_type))
    sub(root, "scope", "Restricted")
    sub(root, "restriction", alert.restriction)
    if alert.note:
        sub(root, "note", alert.note)
    if alert.references is not None:
        original = alert.references
        sub(root, "references",
            f"{sender_id(original)},{original.identifier},{cap_time(original.published_at or original.created_at)}")
    for info in alert.infos:
        block = sub(root, "info", None)
        sub(block, "language", LANGUAGE_TAGS.get(info.language, info.language))
        sub(block, "category", info.category)
        sub(block, "event", info.event)
        sub(block, "urgency", info.urgency)
        sub(block, "severity", info.severity)
        sub(block, "certainty", info.certainty)
        if info.expires is not None:
            sub(block, "expires", cap_time(info.expires))
        sub(block, "senderName", f"{alert.party.name} - {alert.network.name}")
        sub(block, "headline", info.headline)
        if info.description:
            sub(block, "description", info.description)
        if info.instruction:
            sub(block, "instruction", info.instruction)
        if info.area_desc or info.geocodes or info.circle or info.polygon:
            area = sub(block, "area", None)
            sub(area, "areaDesc", info.area_desc or ", ".join(info.geocodes) or alert.network.name)
            if info.polygon:
                sub(area, "polygon", info.polygon)
            if info.circle:
                sub(area, "circle", info.circle)
            for code in info.geocodes:
                geocode = sub(area, "geocode", None)
                sub(geocode, "valueName", "ISO3166-1")
                sub(geocode, "value", code)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    """The OASIS CAP 1.2 schema, bundled with the package."""
    source = resources.files("cmc").joinpath("data/cap/CAP-v1.2.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(source, _safe_parser()))


def _safe_parser() -> etree.XMLParser:
    # No entity expansion, no DTD loading, no network: XXE and billion-laughs payloads stay inert.
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, dtd_validation=False,
                           huge_tree=False, remove_comments=True)


def validate_xml(data: bytes) -> list[str]:
    """Schema errors of a CAP document (empty when it is valid)."""
    try:
        document = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        return [str(exc)]
    checker = schema()
    return [] if checker.validate(document) else [str(e.message) for e in checker.error_log]


def atom_feed(network: Network, alerts: list[Alert], base_url: str) -> bytes:
    """An Atom feed of a network's alerts (newest first) for national systems."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", f"{base_url}/networks/{network.slug}/alerts")
    sub(feed, "title", f"{network.name} - early alerts")
    updated = max((a.published_at for a in alerts if a.published_at), default=datetime.now(UTC))
    sub(feed, "updated", cap_time(updated))
    sub(feed, "link", rel="self", href=f"{base_url}/api/v1/networks/{network.slug}/alerts.atom")
    for alert in alerts:
        info = alert.infos[0]
        entry = sub(feed, "entry")
        sub(entry, "id", f"urn:cap:{alert.identifier}")
        sub(entry, "title", f"[{info.severity}] {info.headline}" + (f" ({alert.status})" if str(alert.status)
                                                                     != "Actual" else ""))
        sub(entry, "updated", cap_time(alert.published_at or alert.created_at))
        author = sub(entry, "author")
        sub(author, "name", alert.party.name)
        sub(entry, "summary", info.description[:1000] or info.headline)
        sub(entry, "link", rel="alternate", type="application/cap+xml", href=f"{base_url}/api/v1/alerts/{alert.id}.cap")
        sub(entry, "category", term=info.severity)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _text(element: Any, tag: str) -> str:
    found = element.find(f"{{{CAP_NS}}}{tag}")
    return (found.text or "").strip() if found is not None and found.text else ""


def parse(data: bytes) -> AlertInput:
    """Read a CAP 1.2 alert into the platform's input (then checked like any other alert).

    Refused: anything over 512 KB, a DTD or entity, XML that does not validate against the schema, and
    what the profile does not allow (scope other than Restricted, a missing restriction, Update/Cancel).
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(_("The CAP file is larger than 512 KB."), fields={"file": _("Too large.")})
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise ValidationError(_("CAP files with a DTD or entities are refused."),
                              fields={"file": _("Remove the DOCTYPE.")})
    problems = validate_xml(data)
    if problems:
        raise ValidationError(_("This is not a valid CAP 1.2 alert: %(problem)s", problem=problems[0][:200]),
                              fields={"file": problems[0][:200]})
    root = etree.fromstring(data, _safe_parser())
    if _text(root, "scope") != "Restricted":
        raise ValidationError(_("Only alerts with scope Restricted can be imported."), fields={"scope": "Restricted"})
    restriction = _text(root, "restriction")
    if not restriction:
        raise ValidationError(_("A restricted alert needs a restriction text."),
                              fields={"restriction": _("Missing.")})
    if _text(root, "msgType") != "Alert":
        raise ValidationError(_("Only new alerts (msgType Alert) can be imported; update them on the platform."),
                              fields={"msgType": "Alert"})
    infos = []
    for block in root.findall(f"{{{CAP_NS}}}info"):
        language = (_text(block, "language") or "en").split("-")[0].lower()
        expires = _text(block, "expires")
        area = block.find(f"{{{CAP_NS}}}area")
        geocodes = []
        if area is not None:
            for geocode in area.findall(f"{{{CAP_NS}}}geocode"):
                geocodes.append(_text(geocode, "value").upper())
        infos.append(InfoInput(
            language=language, category=_text(block, "category") or "Security", event=_text(block, "event"),
            urgency=_text(block, "urgency"), severity=_text(block, "severity"), certainty=_text(block, "certainty"),
            headline=_text(block, "headline"), description=_text(block, "description"),
            instruction=_text(block, "instruction"),
            expires=datetime.fromisoformat(expires) if expires else None,
            area_desc=_text(area, "areaDesc") if area is not None else "", geocodes=geocodes,
            circle=_text(area, "circle") if area is not None else "",
            polygon=_text(area, "polygon") if area is not None else ""))
    return AlertInput(infos=infos, status=_text(root, "status"), restriction=restriction, note=_text(root, "note"))
