"""``cmc serve``: pages and live connections on gevent with websockets (``cmc.cli.main`` patches first)."""

from __future__ import annotations

import ipaddress

import click
from flask import current_app
from flask.cli import with_appcontext

from cmc.cli.guard import fail


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=click.IntRange(1, 65535), show_default=True)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve pages and live connections (gevent with websockets) until stopped."""
    from cmc.extensions import socketio
    from cmc.realtime.server import serve as serve_forever

    mode = socketio.server.async_mode
    if mode != "gevent":
        fail("cmc serve needs gevent (start it as `cmc serve`, which patches the standard library first)")
    warning = exposure_warning(host, port)
    if warning:
        click.secho(warning, err=True, fg="yellow")
    click.echo(f"CMC Platform on http://{host}:{port}/ (gevent with websockets)")
    serve_forever(current_app._get_current_object(), host, port)


def exposure_warning(host: str, port: int) -> str | None:
    """What ``cmc serve`` says when it listens beyond this machine (None on a loopback address): the embedded
    server speaks plain HTTP, and whoever reaches the port reaches the sign-in page (and, with the demo data,
    accounts whose password was printed on this console)."""
    try:
        if ipaddress.ip_address(host.strip("[]")).is_loopback:
            return None
    except ValueError:
        if host == "localhost":
            return None
    return (f"Warning: listening on {host}:{port}, not only on this machine. Anyone who can reach this port "
            "can open the sign-in page, over unencrypted HTTP. To try the platform keep the default "
            "(HOST=127.0.0.1); to serve others, follow docs/deploy.md (HTTPS in front, production settings).")
