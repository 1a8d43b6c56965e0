"""``cmc markdown rerender``: the stored HTML of charters, posts and minutes rendered again from its Markdown."""

from __future__ import annotations

import click

markdown_group = click.Group("markdown", help="Stored Markdown HTML (charters, posts, minutes).")


@markdown_group.command("rerender")
def markdown_rerender() -> None:
    """Render every stored charter, thread post, reply and minutes again with the current sanitiser rules
    (run after a change of ``cmc.services.markup``); rows whose HTML is unchanged are left alone."""
    from cmc.services import markup_store

    for label, (seen, changed) in markup_store.rerender_all().items():
        click.echo(f"{label}: {seen} read, {changed} rendered again")
