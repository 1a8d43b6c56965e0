"""Documents of the benchmark data: one or two versions each of small real TXT, PDF and DOCX files in the
real storage layout, indexed for search exactly as an upload is."""

from __future__ import annotations

import hashlib
import random
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import text

from cmc import sample_files
from cmc.devtools import model
from cmc.devtools.bulk import insert
from cmc.devtools.model import BATCH, Run
from cmc.devtools.words import DOCUMENT_KINDS, DOCUMENT_TITLES, Text
from cmc.extensions import db
from cmc.models import Audience, Document, DocumentKind, DocumentText, DocumentVersion, ProtocolStatus, document_parties
from cmc.services.extract import limits_from_config, read_trusted
from cmc.uploads import ALLOWED

_FILENAME = re.compile(r"[^a-z0-9]+")


def make_documents(run: Run) -> None:
    """Documents with one or two versions of small real files, indexed as an upload indexes them."""
    rng = model.rng("documents")
    words = Text(rng)
    nets, weights = model.posting_networks(run)
    first = model.next_id(Document)
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    documents: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    texts: list[dict[str, Any]] = []
    named: list[dict[str, int]] = []
    version_total = 0
    for offset, created in enumerate(model.times(rng, run.plan.documents, run.start, run.now)):
        document_id = first + offset
        net = model.pick_network(rng, nets, weights)
        uploader = rng.choice(net.posters)
        party = run.account_party[uploader]
        kind = rng.choice(DOCUMENT_KINDS)
        title = words.fill(rng.choice(DOCUMENT_TITLES), year=str(created.year))[:200]
        description = words.sentence()
        roll = rng.random()
        audience = Audience.NETWORK if roll < 0.8 else Audience.ALL if roll < 0.92 else Audience.NAMED
        if audience == Audience.NAMED:
            others = [p for p in run.party_ids if p != party]
            named += [{"document_id": document_id, "party_id": p}
                      for p in rng.sample(others, min(len(others), rng.randint(2, 4)))]
        language = run.party_languages[party][0]
        made, updated, body = _versions(run, rng, words, document_id, title, uploader, created)
        for version in made:
            version["language"] = language
        versions += made
        documents.append({
            "id": document_id, "network_id": net.id, "title": title, "description": description, "kind": kind,
            "languages": language, "audience": audience,
            "status": rng.choice(list(ProtocolStatus)) if kind == DocumentKind.PROTOCOL else None,
            "owner_party_id": party, "uploader_id": uploader, "created_at": created, "updated_at": updated,
            "current_version": len(made)})
        texts.append({"document_id": document_id, "language": language, "title": title, "description": description,
                      "body": body})
        net.documents.append((created, document_id))
        run.activities.append((created, net.id, uploader, "document.new", "document", document_id, title))
        if len(documents) >= BATCH:
            version_total += _write_documents(documents, versions, texts, named, sqlite)
            documents, versions, texts, named = [], [], [], []
    version_total += _write_documents(documents, versions, texts, named, sqlite)
    run.step("documents", run.plan.documents)
    run.step("document versions", version_total)


def _versions(run: Run, rng: random.Random, words: Text, document_id: int, title: str, uploader: int,
              created: datetime) -> tuple[list[dict[str, Any]], datetime, str]:
    """One document's versions (one, or two for one in ten), their files written and read for search;
    with the time of the last and the words of the current one."""
    versions: list[dict[str, Any]] = []
    updated, body = created, ""
    number_of_versions = 2 if rng.random() < 0.1 else 1
    for number in range(1, number_of_versions + 1):
        if number > 1:
            updated = min(run.now, updated + timedelta(days=rng.randint(1, 60)))
        extension = rng.choices(("txt", "pdf", "docx"), (85, 5, 10))[0]
        # The registry entry is in the file only: a search for it proves the file's words are indexed.
        lines = [title, f"Registry entry SD{document_id:06d}, version {number}.", *words.paragraphs(2, 4)]
        data = _document_file(extension, lines)
        key = f"{rng.getrandbits(160):040x}"
        path = _keep(run, key, data)
        # The version's words, read as an upload's child process reads them (in this process: the seed
        # made these files itself, and a child per file would cost 50-150 ms each).
        extracted = read_trusted(path, extension, limits_from_config(current_app.config))
        body = extracted.text  # the current version's, at the end of the loop
        versions.append({
            "document_id": document_id, "number": number, "uploader_id": uploader, "created_at": updated,
            "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "content_type": ALLOWED[extension],
            "extension": extension, "original_filename": _FILENAME.sub("-", title.lower()).strip("-")[:200]
            + "." + extension, "storage_key": key, "note": "" if number == 1 else "Corrected figures",
            "restored_from": None, "text_status": extracted.status})
    return versions, updated, body



def _document_file(extension: str, lines: list[str]) -> bytes:
    if extension == "pdf":
        return sample_files.pdf(lines=lines)
    if extension == "docx":
        return sample_files.docx(paragraphs=lines)
    return ("\n\n".join(lines) + "\n").encode("utf-8")


def _keep(run: Run, key: str, data: bytes) -> Path:
    """Write a file where ``LocalStorage`` keeps it (``<root>/ab/<key>``).

    Not through ``storage.keep``: its fsync of every file and folder is what makes one upload crash-safe,
    and costs minutes over 20,000 files; the run syncs once before it commits instead.
    """
    path = Path(run.storage.path(key))
    if path.parent not in run.made_dirs:
        path.parent.mkdir(parents=True, exist_ok=True)
        run.made_dirs.add(path.parent)
    path.write_bytes(data)
    run.written.append(path)
    return path

def _write_documents(documents: list[dict[str, Any]], versions: list[dict[str, Any]], texts: list[dict[str, Any]],
                     named: list[dict[str, int]], sqlite: bool) -> int:
    insert(Document, documents)
    insert(DocumentVersion, versions)
    insert(document_parties, named)
    insert(DocumentText, texts)
    if sqlite and texts:
        # The same FTS5 rows as search.index writes (rowid = document_texts.id); PostgreSQL indexes document_texts.
        db.session.execute(text("INSERT INTO document_fts (rowid, title, description, body) "
                                "SELECT id, title, description, body FROM document_texts "
                                "WHERE document_id BETWEEN :low AND :high"),
                           {"low": texts[0]["document_id"], "high": texts[-1]["document_id"]})
    return len(versions)
