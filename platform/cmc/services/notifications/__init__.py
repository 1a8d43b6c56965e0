"""The notification centre: every notification the platform raises, stored per person for 90 days, read under
the bell, and delivered as each person chose per kind (in-app, e-mail at once, or a daily digest).

``store`` (record in the event's transaction; one ``INSERT ... SELECT`` for an alert's members; the push after
the commit), ``texts`` (the sentence in the reader's language, the target), ``reading`` (count, pages, open,
mark read, purge; hidden when no longer readable), ``delivery`` (settings per kind, the live push, e-mails and
the daily digest).
"""

from cmc.services.notifications.delivery import (
    DEFAULTS,
    deliver,
    delivery_for,
    save_settings,
    send_digests,
    settings_of,
    wants_mail,
)
from cmc.services.notifications.reading import (
    KEPT,
    Shown,
    list_query,
    load,
    mark_read,
    open_alert,
    open_note,
    purge,
    unread_count,
    visible,
)
from cmc.services.notifications.store import forget_recorded, push_recorded, record, record_alert
from cmc.services.notifications.texts import target_path, text_of

__all__ = [
    "DEFAULTS", "KEPT", "Shown", "deliver", "delivery_for", "forget_recorded", "list_query", "load", "mark_read",
    "open_alert", "open_note", "purge", "push_recorded", "record", "record_alert", "save_settings", "send_digests",
    "settings_of", "target_path", "text_of", "unread_count", "visible", "wants_mail",
]
