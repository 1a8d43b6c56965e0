"""Early alerts: compose, approve, publish, update, cancel, deliver, acknowledge by party, sync, mail.

Every alert is committed before it is pushed. Clients catch up with ``sync(after_id)``, so an alert
published while a delegate's link was down reaches them when it comes back.

One module per job, read in this order: ``access`` (who reads which alert), ``compose`` (the input and its
checks), ``workflow`` (publish, approve, return, update, cancel), ``lists`` (lists, drafts, sync; ``rows``: as rows,
``json_rows``: the API's list as rows),
``acknowledgement`` (receipts, overdue parties), ``grid`` (who is expected to acknowledge, the grid and its
summary; ``grid_export``: as CSV; ``remind``: "remind now"), ``delivery`` (presence, mail to offline members),
``event_templates`` (a network's event types), ``translations`` (translations added after publication, and
which block each reader reads), ``badge`` (the navigation's count, cached and told of every change), ``preview``
(what publishing, or approving a draft, would do; ``confirmation``: the token that confirms it), ``autosave``
(what a compose page keeps on the server while a person writes). Callers use the package: ``alerts.publish(...)``.
"""

from cmc.services.alerts.access import alert_json, earlier_messages, get, live_json, readable_networks, severity_of
from cmc.services.alerts.acknowledgement import acknowledge, flag_overdue, mark, mark_delivered
from cmc.services.alerts.areas import MapArea, load_areas, map_area, territories
from cmc.services.alerts.autosave import MAX_BYTES as AUTOSAVE_MAX_BYTES
from cmc.services.alerts.autosave import autosaved, composing_network, discard_autosave, save_autosave
from cmc.services.alerts.badge import Badge, navigation_badge
from cmc.services.alerts.compose import LANGUAGES, MAX_DESCRIPTION, MAX_EXPIRY, AlertInput, InfoInput, validate
from cmc.services.alerts.confirmation import SevereNotConfirmed, StaleConfirmation, draft_token
from cmc.services.alerts.delivery import (
    ONLINE_WINDOW,
    PROCESS_ID,
    connection_closed,
    connection_opened,
    mail_offline_members,
    mail_subject,
    recipients,
    refresh_presence,
)
from cmc.services.alerts.event_templates import SMUGGLING_EVENT_TYPES, event_types, save_event_type, seed_event_types
from cmc.services.alerts.grid import (
    GridRow,
    GridSummary,
    Reason,
    delay_words,
    duration_words,
    grid,
    grid_row,
    reason_word,
    summary,
)
from cmc.services.alerts.grid_export import grid_csv
from cmc.services.alerts.json_rows import JsonAlertRow, load_json_rows
from cmc.services.alerts.lists import (
    FILTER_HANDLING,
    FILTER_STATUSES,
    SYNC_LIMIT,
    SYNC_PAGE_BYTES,
    WHEN,
    WHEN_CHOICES,
    WHEN_WORDS,
    AlertFilter,
    SyncPage,
    active_clause,
    api_rows_query,
    drafts_query,
    drafts_rows_query,
    latest_id,
    list_query,
    list_rows_query,
    sync,
    unacknowledged_count,
    unacknowledged_query,
    unacknowledged_rows_query,
)
from cmc.services.alerts.preview import Preview, confirm, draft_preview, preview
from cmc.services.alerts.remind import REMIND_INTERVAL, Reminder, remind
from cmc.services.alerts.rows import AlertRow, load_rows
from cmc.services.alerts.translations import (
    LANGUAGE_WORDS,
    SEVERITY_WORDS,
    ShownBlock,
    TranslationInput,
    block_for,
    language_word,
    original_block,
    severity_word,
    translate,
)
from cmc.services.alerts.workflow import URGENT, approve, cancel, publish, return_draft, revise

__all__ = [
    "AUTOSAVE_MAX_BYTES", "FILTER_HANDLING", "FILTER_STATUSES", "LANGUAGES", "LANGUAGE_WORDS", "MAX_DESCRIPTION",
    "MAX_EXPIRY", "ONLINE_WINDOW", "PROCESS_ID", "REMIND_INTERVAL", "SEVERITY_WORDS", "SMUGGLING_EVENT_TYPES",
    "SYNC_LIMIT", "SYNC_PAGE_BYTES", "URGENT", "WHEN", "WHEN_CHOICES", "WHEN_WORDS", "AlertFilter", "AlertInput",
    "AlertRow", "Badge", "GridRow", "GridSummary", "InfoInput", "JsonAlertRow", "MapArea", "Preview", "Reason",
    "Reminder", "SevereNotConfirmed", "ShownBlock", "StaleConfirmation", "SyncPage", "TranslationInput", "acknowledge",
    "active_clause", "alert_json", "api_rows_query", "approve", "autosaved", "block_for", "cancel",
    "composing_network", "confirm", "connection_closed", "connection_opened", "delay_words", "discard_autosave",
    "draft_preview", "draft_token", "drafts_query", "drafts_rows_query", "duration_words", "earlier_messages",
    "event_types", "flag_overdue", "get",
    "grid", "grid_csv", "grid_row", "language_word", "latest_id", "list_query", "list_rows_query", "live_json",
    "load_areas", "load_json_rows", "load_rows", "mail_offline_members", "mail_subject", "map_area", "mark",
    "mark_delivered", "navigation_badge", "original_block", "preview", "publish", "readable_networks", "reason_word",
    "recipients", "refresh_presence", "remind", "return_draft", "revise", "save_autosave", "save_event_type",
    "seed_event_types", "severity_of", "severity_word", "summary", "sync", "territories", "translate",
    "unacknowledged_count", "unacknowledged_query", "unacknowledged_rows_query", "validate",
]
