"""Threads and replies of the benchmark data, with their writers' visits and activity lines."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cmc.devtools import model
from cmc.devtools.bulk import insert
from cmc.devtools.model import BATCH, Run
from cmc.devtools.words import REPLY_OPENERS, THREAD_TITLES, Text, body_html
from cmc.models import Reply, Thread, ThreadVisit


def make_threads(run: Run) -> None:
    """Threads with 0 to 12 replies each (three on average), visits by their writers, activity lines."""
    rng = model.rng("threads")
    words = Text(rng)
    nets, weights = model.posting_networks(run)
    first = model.next_id(Thread)
    threads: list[dict[str, Any]] = []
    replies: list[dict[str, Any]] = []
    visits: dict[tuple[int, int], datetime] = {}
    reply_total = 0
    for offset, created in enumerate(model.times(rng, run.plan.threads, run.start, run.now)):
        thread_id = first + offset
        net = model.pick_network(rng, nets, weights)
        author = rng.choice(net.posters)
        title = words.fill(rng.choice(THREAD_TITLES))[:200]
        paragraphs = words.paragraphs(1, 3)
        last = created
        count = min(12, int(rng.expovariate(1 / 3)))
        for _ in range(count):
            last = min(run.now, last + timedelta(seconds=int(rng.expovariate(1 / 21_600)) + 60))
            writer = rng.choice(net.posters)
            text_parts = [f"{rng.choice(REPLY_OPENERS)} {words.sentence()}", *words.paragraphs(0, 1)]
            replies.append({"thread_id": thread_id, "author_id": writer, "body": "\n\n".join(text_parts),
                            "body_html": body_html(text_parts), "created_at": last, "edited_at": None,
                            "deleted_at": None, "deleted_by_id": None})
            visits[(writer, thread_id)] = last
            run.activities.append((last, net.id, writer, "reply.new", "thread", thread_id, title))
        threads.append({"id": thread_id, "network_id": net.id, "author_id": author, "title": title,
                        "body": "\n\n".join(paragraphs), "body_html": body_html(paragraphs),
                        "created_at": created, "edited_at": None, "last_activity_at": last, "reply_count": count,
                        "pinned_at": created if rng.random() < 0.01 else None, "deleted_at": None,
                        "deleted_by_id": None})
        visits.setdefault((author, thread_id), created)
        run.activities.append((created, net.id, author, "thread.new", "thread", thread_id, title))
        if len(replies) >= BATCH:  # keep memory flat at large scales
            insert(Thread, threads)
            insert(Reply, replies)
            reply_total += len(replies)
            threads, replies = [], []
    insert(Thread, threads)
    insert(Reply, replies)
    reply_total += len(replies)
    insert(ThreadVisit, [{"account_id": a, "thread_id": t, "seen_at": at} for (a, t), at in visits.items()])
    run.step("threads", run.plan.threads)
    run.step("replies", reply_total)
