"""CAP 1.2: export an alert as XML that validates against the OASIS schema, an Atom feed per network, and
import from CAP XML that stays inert whatever its encoding.

Import decides on the parsed document, never on its bytes: the same DOCTYPE written in UTF-16 or UTF-32 has
none of the bytes ``<!DOCTYPE``, and got through a byte search. The parser resolves no entity, loads no DTD
and reaches no network; a document that declares a document type, holds an entity reference or an XInclude
is refused before the schema looks at it (lxml's schema validator raised an internal error on an unexpanded
entity, which answered 500). Every parser or schema failure is a ValidationError (422) that names it.

Every export carries the alert's handling marking (issue 18): CAP writes the code's statement (in English) in
``note`` and the code and evaluation as ``parameter`` entries (``CMC:handling-code``, ``CMC:handling-restriction``,
``CMC:source-reliability``, ``CMC:information-accuracy``), which import reads back; Atom tags each entry with its
code and shows an H2 alert the reader may not export as a placeholder. Whether an alert may leave at all is
``handling.require_export``'s decision, asked by the routes.

Writers pass every text through ``text.xml_safe`` and build the tree with lxml, which refuses any character
XML forbids: whatever an old row holds, the export is well-formed.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from lxml import etree
from sqlalchemy import select

from cmc.extensions import db
from cmc.i18n import labels
from cmc.models import Alert, HandlingCode, Network, RollCall
from cmc.services import handling
from cmc.services.alerts import AlertInput, InfoInput, block_for, earlier_messages
from cmc.services.errors import ValidationError
from cmc.services.text import xml_safe

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
XINCLUDE_NS = "http://www.w3.org/2001/XInclude"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LANGUAGE_TAGS = {"en": "en", "es": "es", "fr": "fr", "nl": "nl"}
MAX_IMPORT_BYTES = 512 * 1024
_MESSAGE_MAX = 200  # characters of a parser's or the schema's own message shown to the person
#: The CAP ``parameter`` names that carry an alert's handling marking (``valueName``), and the marking's fields.
HANDLING_PARAMETERS = {"CMC:handling-code": "code", "CMC:handling-restriction": "text",
                       "CMC:source-reliability": "reliability", "CMC:information-accuracy": "accuracy"}
#: The Atom ``category`` scheme of an entry's handling code.
HANDLING_SCHEME = "urn:cmc:handling"


def cap_time(value: datetime) -> str:
    """CAP's date-time form: YYYY-MM-DDThh:mm:ss+00:00 (no Z, no fractions: the schema refuses them)."""
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def sender_id(alert: Alert) -> str:
    """The CAP sender: the platform's id and the originating party."""
    return f"{current_app.config.get('CAP_SENDER', 'cmc-platform')}.{alert.party.code.lower()}"


def reference(alert: Alert) -> str:
    """The alert's extended message identifier as CAP ``references`` names it: sender,identifier,sent."""
    return f"{sender_id(alert)},{alert.identifier},{cap_time(alert.published_at or alert.created_at)}"


def references(alert: Alert) -> str:
    """CAP ``references`` of an Update or Cancel: every earlier message of its chain, oldest first, separated
    by spaces (CAP 1.2 allows several), so a system that missed an update still links the message to the
    alert it knows. Empty for a new alert."""
    return " ".join(reference(earlier) for earlier in earlier_messages(alert))


def _sub(parent: Any, namespace: str, tag: str, text: str | None = None, **attrs: str) -> Any:
    element = etree.SubElement(parent, f"{{{namespace}}}{tag}", {k: xml_safe(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_safe(text)
    return element


def marking_note(alert: Alert) -> str:
    """What the alert's handling code asks of every receiver, in English (CAP is exchanged between systems in
    English): the statement naming the originating party (H1's judicial-disclosure warning, H3's restriction),
    then the evaluation when the author made one."""
    with force_locale("en"):
        sentences = [handling.statement(alert, alert.party.name), handling.evaluation(alert)]
    return " ".join(sentence for sentence in sentences if sentence)


def marking_parameters(alert: Alert) -> list[tuple[str, str]]:
    """The alert's marking as CAP ``parameter`` pairs (valueName, value): the code always, H3's restriction and
    each half of the evaluation only when set."""
    pairs = [("CMC:handling-code", alert.handling_code.value)]
    if alert.handling_code == HandlingCode.H3:
        pairs.append(("CMC:handling-restriction", alert.handling_text))
    if alert.source_reliability is not None:
        pairs.append(("CMC:source-reliability", alert.source_reliability.value))
    if alert.info_accuracy is not None:
        pairs.append(("CMC:information-accuracy", alert.info_accuracy.value))
    return pairs


#: The CAP ``parameter`` naming a roll call started from the alert (its absolute address; one per roll call).
ROLL_CALL_PARAMETER = "CMC:roll-call"


def roll_call_parameters(alert: Alert) -> list[tuple[str, str]]:
    """One ``CMC:roll-call`` pair per roll call started from the alert, oldest first: its page's address."""
    base = str(current_app.config.get("BASE_URL", "")).rstrip("/")
    ids = db.session.scalars(select(RollCall.id).where(RollCall.alert_id == alert.id).order_by(RollCall.id))
    return [(ROLL_CALL_PARAMETER, f"{base}/rollcalls/{roll_call_id}") for roll_call_id in ids]


def to_xml(alert: Alert) -> bytes:
    """The alert as a CAP 1.2 document (UTF-8 bytes), with its handling marking: the statement in ``note``
    (before the author's note) and the code and evaluation as ``parameter`` entries of every ``info`` block.
    The caller asked ``handling.require_export`` first."""
    def sub(parent: Any, tag: str, text: str | None) -> Any:
        return _sub(parent, CAP_NS, tag, text)

    root = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    sub(root, "identifier", alert.identifier)
    sub(root, "sender", sender_id(alert))
    sub(root, "sent", cap_time(alert.published_at or alert.created_at))
    sub(root, "status", str(alert.status))
    sub(root, "msgType", str(alert.msg_type))
    sub(root, "scope", "Restricted")
    sub(root, "restriction", alert.restriction)
    sub(root, "note", "\n\n".join(part for part in (marking_note(alert), alert.note) if part))
    if alert.references is not None:
        sub(root, "references", references(alert))
    parameters = marking_parameters(alert) + roll_call_parameters(alert)
    for info in alert.infos:  # the current block of each language (a replaced translation is history)
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
        for name, value in parameters:
            parameter = sub(block, "parameter", None)
            sub(parameter, "valueName", name)
            sub(parameter, "value", value)
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
    return bytes(etree.tostring(root, encoding="utf-8", xml_declaration=True))


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    """The OASIS CAP 1.2 schema, bundled with the package."""
    source = resources.files("cmc").joinpath("data/cap/CAP-v1.2.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(source, _safe_parser()))


def _safe_parser() -> etree.XMLParser:
    # No entity expansion, no DTD loading, no network, no huge trees: the parser reads nothing but the bytes
    # it is given. (A DTD's declarations are still parsed, so that read_untrusted can see and refuse them.)
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def _refused(message: str, detail: str) -> ValidationError:
    return ValidationError(message, fields={"file": detail[:_MESSAGE_MAX]})


def read_untrusted(data: bytes) -> Any:
    """Parse XML from outside into its root element, or refuse it (ValidationError, 422, naming why).

    Whatever the encoding (UTF-8 with or without a byte order mark, UTF-16 and UTF-32 either way round, a
    declared ISO-8859-1...), the decision is made on the parsed document: refused when it declares a
    document type (internal subset, SYSTEM or PUBLIC identifier), holds an entity reference, or asks for an
    XInclude. Nothing is fetched or expanded on the way.
    """
    try:
        root = etree.fromstring(data, _safe_parser())
    except (etree.LxmlError, ValueError) as exc:
        problem = str(exc).strip() or type(exc).__name__
        raise _refused(_("This file is not well-formed XML: %(problem)s", problem=problem[:_MESSAGE_MAX]),
                       problem) from None
    docinfo = root.getroottree().docinfo
    if (docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None
            or docinfo.system_url or docinfo.public_id):
        raise _refused(_("CAP files with a document type declaration (DOCTYPE, DTD or entities) are refused."),
                       _("Remove the DOCTYPE."))
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise _refused(_("CAP files with entity references are refused."),
                           _("Remove the entity reference &%(name)s;.", name=str(node.name)[:40]))
        if isinstance(node.tag, str) and node.tag.startswith(f"{{{XINCLUDE_NS}}}"):
            raise _refused(_("CAP files with XInclude elements are refused."), _("Remove the xi:include."))
    return root


def schema_problems(root: Any) -> list[str]:
    """Why a parsed document is not a valid CAP 1.2 alert (empty when it is)."""
    checker = schema()
    try:
        if checker.validate(root):
            return []
    except etree.LxmlError as exc:  # the validator's own failure is an answer, never a 500
        return [str(exc) or type(exc).__name__]
    return [str(error.message) for error in checker.error_log] or [_("The schema refused the document.")]


def validate_xml(data: bytes) -> list[str]:
    """Schema errors of a CAP document, or why it cannot be read (empty when it is valid)."""
    try:
        root = read_untrusted(data)
    except ValidationError as exc:
        return [exc.message]
    return schema_problems(root)


def atom_feed(network: Network, alerts: list[Alert], base_url: str, language: str = "en",
              restricted: Collection[int] = ()) -> bytes:
    """An Atom feed of a network's alerts (newest first) for national systems, each entry in the block of
    ``language`` (the feed reader's) when the alert has one, else in the author's.

    An Update or Cancel entry carries its CAP ``msgType`` and ``references`` (every earlier message of its
    chain) as CAP extension elements, and a ``related`` link to each earlier message's CAP document. Every entry
    carries its handling code (a ``category`` of the scheme :data:`HANDLING_SCHEME`) and the code's statement
    before its summary. An alert of ``restricted`` (H2 alerts the reader may not export: the caller asked
    ``handling.may_export``) is only a placeholder: its identifier, "restricted by the originator", a link to
    its page; no text, no area.
    """
    def sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
        return _sub(parent, ATOM_NS, tag, text, **attrs)

    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS, "cap": CAP_NS})
    sub(feed, "id", f"{base_url}/networks/{network.slug}/alerts")
    sub(feed, "title", f"{network.name} - early alerts")
    updated = max((a.published_at for a in alerts if a.published_at), default=datetime.now(UTC))
    sub(feed, "updated", cap_time(updated))
    sub(feed, "link", rel="self", href=f"{base_url}/api/v1/networks/{network.slug}/alerts.atom")
    for alert in alerts:
        if alert.id in restricted:
            _placeholder_entry(feed, alert, base_url, language)
            continue
        shown = block_for(alert, language)
        if shown is None:
            continue
        info = shown.info
        entry = sub(feed, "entry", **{XML_LANG: LANGUAGE_TAGS.get(info.language, info.language)})
        sub(entry, "id", f"urn:cap:{alert.identifier}")
        # People read a feed: the severity (and a status other than Actual) in the feed reader's words.
        status = "" if str(alert.status) == "Actual" else f" ({labels.label('cap_status', alert.status)})"
        sub(entry, "title", f"[{labels.label('severity', info.severity)}] {info.headline}{status}")
        sub(entry, "updated", cap_time(alert.published_at or alert.created_at))
        author = sub(entry, "author")
        sub(author, "name", alert.party.name)
        with force_locale(language):  # the code's statement in the reader's words, as the page says it
            marking = " ".join(s for s in (handling.statement(alert, alert.party.name),
                                           handling.evaluation(alert)) if s)
        sub(entry, "summary", f"{marking}\n\n{info.description[:1000] or info.headline}")
        sub(entry, "link", rel="alternate", type="application/cap+xml", href=f"{base_url}/api/v1/alerts/{alert.id}.cap")
        sub(entry, "category", term=info.severity)
        sub(entry, "category", term=alert.handling_code.value, scheme=HANDLING_SCHEME, label=marking[:200])
        _sub(entry, CAP_NS, "msgType", str(alert.msg_type))
        earlier = earlier_messages(alert)
        if earlier:
            _sub(entry, CAP_NS, "references", " ".join(reference(message) for message in earlier))
        for message in earlier:
            sub(entry, "link", rel="related", type="application/cap+xml", title=reference(message),
                href=f"{base_url}/api/v1/alerts/{message.id}.cap")
    return bytes(etree.tostring(feed, encoding="utf-8", xml_declaration=True))


def _placeholder_entry(feed: Any, alert: Alert, base_url: str, language: str) -> None:
    """An H2 alert the reader may not export, as a feed shows it: that it exists, who to ask, where to read it
    on the platform; nothing of its content (no headline, text or area)."""
    def sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
        return _sub(parent, ATOM_NS, tag, text, **attrs)

    with force_locale(language):
        title = _("Restricted by the originator (%(code)s)", code=alert.handling_code.value)
        summary = handling.restricted_message(alert, alert.party.name)
    entry = sub(feed, "entry", **{XML_LANG: LANGUAGE_TAGS.get(language, language)})
    sub(entry, "id", f"urn:cap:{alert.identifier}")
    sub(entry, "title", f"{title}: {alert.identifier}")
    sub(entry, "updated", cap_time(alert.published_at or alert.created_at))
    author = sub(entry, "author")
    sub(author, "name", alert.party.name)
    sub(entry, "summary", summary)
    sub(entry, "link", rel="alternate", type="text/html", href=f"{base_url}/alerts/{alert.id}")
    sub(entry, "category", term=alert.handling_code.value, scheme=HANDLING_SCHEME)


def _text(element: Any, tag: str) -> str:
    found = element.find(f"{{{CAP_NS}}}{tag}")
    return (found.text or "").strip() if found is not None and found.text else ""


def _expires(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except (ValueError, OverflowError):
        raise _refused(_("The expiry %(value)s is not a date this platform can store.", value=value[:40]),
                       value) from None


def parse(data: bytes) -> AlertInput:
    """Read a CAP 1.2 alert into the platform's input (then checked like any other alert).

    Refused: anything over 512 KB, XML that is not well-formed, a DTD, entity or XInclude (in any encoding),
    XML that does not validate against the schema, and what the profile does not allow (scope other than
    Restricted, a missing restriction, Update/Cancel).
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(_("The CAP file is larger than 512 KB."), fields={"file": _("Too large.")})
    root = read_untrusted(data)
    problems = schema_problems(root)
    if problems:
        raise _refused(_("This is not a valid CAP 1.2 alert: %(problem)s", problem=problems[0][:_MESSAGE_MAX]),
                       problems[0])
    if _text(root, "scope") != "Restricted":
        raise ValidationError(_("Only alerts with scope Restricted can be imported."), fields={"scope": "Restricted"})
    restriction = _text(root, "restriction")
    if not restriction:
        raise ValidationError(_("A restricted alert needs a restriction text."),
                              fields={"restriction": _("Missing.")})
    if _text(root, "msgType") != "Alert":
        raise ValidationError(_("Only new alerts (msgType Alert) can be imported; update them on the platform."),
                              fields={"msgType": "Alert"})
    marking = _marking(root)
    infos = []
    for block in root.findall(f"{{{CAP_NS}}}info"):
        language = (_text(block, "language") or "en").split("-")[0].lower()
        area = block.find(f"{{{CAP_NS}}}area")
        geocodes = []
        if area is not None:
            for geocode in area.findall(f"{{{CAP_NS}}}geocode"):
                geocodes.append(_text(geocode, "value").upper())
        infos.append(InfoInput(
            language=language, category=_text(block, "category") or "Security", event=_text(block, "event"),
            urgency=_text(block, "urgency"), severity=_text(block, "severity"), certainty=_text(block, "certainty"),
            headline=_text(block, "headline"), description=_text(block, "description"),
            instruction=_text(block, "instruction"), expires=_expires(_text(block, "expires")),
            area_desc=_text(area, "areaDesc") if area is not None else "", geocodes=geocodes,
            circle=_text(area, "circle") if area is not None else "",
            polygon=_text(area, "polygon") if area is not None else ""))
    data = AlertInput(infos=infos, status=_text(root, "status"), restriction=restriction,
                      note=_author_note(_text(root, "note")))
    if marking is not None:  # published with the marking the document carries (checked again by the service)
        data.handling_code = marking.code.value
        data.handling_text = marking.text
        data.source_reliability = marking.reliability.value if marking.reliability else None
        data.info_accuracy = marking.accuracy.value if marking.accuracy else None
    return data


#: The paragraph ``to_xml`` writes first in ``note`` (the marking's statement); the parameters carry the marking.
_MARKING_NOTE = re.compile(r"^H[0-3]: ")


def _author_note(note: str) -> str:
    """The author's part of an imported ``note``: without the marking statement an export of this platform
    wrote in front of it (the imported alert gets its own statement when it is exported again)."""
    first, _sep, rest = note.partition("\n\n")
    return rest if _MARKING_NOTE.match(first) else note


def _marking(root: Any) -> handling.Marking | None:
    """The handling marking a CAP document carries in its ``parameter`` entries (the first value of each name,
    whichever block holds it), checked like a marking sent by a form (422 naming the field); None when the
    document carries none."""
    found: dict[str, str] = {}
    for parameter in root.iter(f"{{{CAP_NS}}}parameter"):
        field = HANDLING_PARAMETERS.get(_text(parameter, "valueName"))
        if field is not None and field not in found:
            found[field] = _text(parameter, "value")
    if not found:
        return None
    return handling.validate(found.get("code") or "H0", found.get("text", ""), found.get("reliability"),
                             found.get("accuracy"))
