"""Compression and static caching through the real servers: ``cmc serve`` itself (Flask-Compress, the embedded
profile), and Debian's nginx running the shipped ``deploy/nginx-cmc.conf`` in front of a server that leaves
compression to it. The nginx part is skipped, saying why, where nginx or its brotli module is not installed
(``apt-get install nginx libnginx-mod-http-brotli-filter``)."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import brotli
import pytest
import requests

from tests.live_server import ROOT, LiveServer, free_port, migrated_instance, running_sibling_server

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
MODULES = Path("/usr/lib/nginx/modules")
BROTLI_MODULE = MODULES / "ngx_http_brotli_filter_module.so"
MIME_TYPES = Path("/etc/nginx/mime.types")
IMMUTABLE = "public, max-age=31536000, immutable"
STATIC_REF = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def _decode(answer: requests.Response) -> bytes:
    """The body as sent (``requests`` would undo gzip itself; read the raw bytes instead) decoded by hand."""
    encoding = answer.headers.get("Content-Encoding", "")
    if encoding == "br":
        return brotli.decompress(answer.content)
    if encoding == "gzip":
        return gzip.decompress(answer.content)
    return answer.content


def _get(url: str, encodings: str, **kwargs: object) -> requests.Response:
    answer = requests.get(url, headers={"Accept-Encoding": encodings}, stream=True, allow_redirects=False,
                          timeout=10, **kwargs)  # type: ignore[arg-type]
    answer._content = answer.raw.read(decode_content=False)  # as sent: compressed
    answer._content_consumed = True
    return answer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``cmc serve`` on a migrated instance (the embedded profile: it compresses its own answers)."""
    with migrated_instance(tmp_path_factory.mktemp("cmc-weight")) as live:
        live.start()
        yield live


def test_the_embedded_server_compresses_pages_and_caches_hashed_static_files(server: LiveServer) -> None:
    page = _get(server.url("/sign-in"), "gzip, deflate, br")
    assert page.status_code == 200 and page.headers["Content-Encoding"] == "br"
    html = _decode(page).decode()
    assert "</html>" in html
    assert _decode(_get(server.url("/sign-in"), "gzip")).decode().count("</html>") == 1
    refs = STATIC_REF.findall(html)
    assert refs and all(re.search(r"\.[0-9a-f]{12}\.(css|js)$", ref) for ref in refs), refs
    for ref in refs:
        answer = _get(server.url(ref), "gzip, deflate, br")
        assert answer.status_code == 200, ref
        assert answer.headers["Cache-Control"] == IMMUTABLE, ref
        assert answer.headers["Content-Encoding"] == "br", ref
        assert "Set-Cookie" not in answer.headers and "cookie" not in answer.headers.get("Vary", "").lower(), ref
    plain = _get(server.url("/static/css/app.css"), "identity")
    assert plain.headers["Cache-Control"] == "no-cache" and "Content-Encoding" not in plain.headers


# --------------------------------------------------------------------------------------------------- nginx

def _nginx_version() -> tuple[int, ...]:
    assert NGINX is not None
    output = subprocess.run([NGINX, "-v"], capture_output=True, text=True, check=False).stderr
    found = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", output)
    return tuple(int(part) for part in found.groups()) if found else (0, 0, 0)


def shipped_config(*, port: int, pages: int, realtime: int, cert: Path, key: Path, log: Path) -> str:
    """``deploy/nginx-cmc.conf`` with this machine's ports and paths; everything else as shipped."""
    text = (ROOT / "deploy" / "nginx-cmc.conf").read_text()
    replacements = {
        "listen 443 ssl;": f"listen 127.0.0.1:{port} ssl;",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{pages};",
        "server 127.0.0.1:8001;": f"server 127.0.0.1:{realtime};",
        "server 127.0.0.1:8002;": f"server 127.0.0.1:{realtime};",
        "/etc/ssl/cmc/fullchain.pem": str(cert),
        "/etc/ssl/cmc/privkey.pem": str(key),
        "/var/log/nginx/cmc.access.log": str(log),
        "/srv/cmc/static/": f"{ROOT}/static/",
    }
    if _nginx_version() < (1, 25, 1):
        replacements["http2 on;"] = "# http2 on; (nginx < 1.25.1 has no such directive)"
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx-cmc.conf no longer contains {old!r}: update this test"
        text = text.replace(old, new)
    return text


@dataclass
class Nginx:
    """The running nginx: its address and the self-signed certificate to trust."""

    base_url: str
    cert: str

    def get(self, path: str, encodings: str) -> requests.Response:
        """GET ``path`` through nginx, accepting ``encodings``."""
        return _get(self.base_url + path, encodings, verify=self.cert)


@pytest.fixture(scope="module")
def nginx(server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    """nginx with the shipped configuration on a free port, in front of a server that does not compress."""
    if NGINX is None:
        pytest.skip("nginx is not installed (apt-get install nginx libnginx-mod-http-brotli-filter)")
    if not BROTLI_MODULE.exists():
        pytest.skip(f"nginx's brotli module is not installed ({BROTLI_MODULE}; "
                    "apt-get install libnginx-mod-http-brotli-filter)")
    work = tmp_path_factory.mktemp("nginx")
    work.chmod(0o755)  # nginx's workers read their temporary folders
    cert, key = work / "cert.pem", work / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out",
                    str(cert)], check=True, capture_output=True)
    port = free_port()
    with running_sibling_server(server, extra_env={"CMC_COMPRESS_RESPONSES": "0", "CMC_PROXY_HOPS": "1"}) as pages:
        (work / "cmc.conf").write_text(shipped_config(port=port, pages=pages.port, realtime=server.port, cert=cert,
                                                      key=key, log=work / "access.log"))
        user = "user root;" if os.geteuid() == 0 else ""
        (work / "nginx.conf").write_text(f"""
{user}
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
load_module {BROTLI_MODULE};
events {{ worker_connections 64; }}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    include {work}/cmc.conf;
}}
""")
        check = subprocess.run([NGINX, "-t", "-p", str(work), "-c", str(work / "nginx.conf")], capture_output=True,
                               text=True, check=False)
        assert check.returncode == 0, f"nginx -t refused the shipped configuration:\n{check.stderr}"
        with open(work / "stderr.log", "wb") as stderr:
            process = subprocess.Popen([NGINX, "-p", str(work), "-c", str(work / "nginx.conf")],
                                       stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", port)) == 0:
                        break
                assert process.poll() is None, (work / "stderr.log").read_text() + (work / "error.log").read_text()
                time.sleep(0.1)
            yield Nginx(base_url=f"https://localhost:{port}", cert=str(cert))
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_nginx_compresses_pages_with_brotli_and_gzip(nginx: Nginx) -> None:
    br = nginx.get("/sign-in", "gzip, deflate, br")
    assert br.status_code == 200 and br.headers["Content-Encoding"] == "br", br.headers
    assert "Accept-Encoding" in br.headers.get("Vary", "")
    html = _decode(br).decode()
    assert html.count("</html>") == 1
    gz = nginx.get("/sign-in", "gzip")
    assert gz.headers["Content-Encoding"] == "gzip" and _decode(gz).decode().count("</html>") == 1
    plain = nginx.get("/sign-in", "identity")
    assert "Content-Encoding" not in plain.headers and b"</html>" in plain.content


def test_nginx_serves_hashed_static_files_from_disk_for_a_year(nginx: Nginx) -> None:
    html = _decode(nginx.get("/sign-in", "br")).decode()
    refs = STATIC_REF.findall(html)
    assert any("bootstrap.purged.min." in ref for ref in refs), refs
    for ref in refs:
        for encodings, expected in (("br", "br"), ("gzip", "gzip")):
            answer = nginx.get(ref, encodings)
            assert answer.status_code == 200, ref
            assert answer.headers["Cache-Control"] == IMMUTABLE, (ref, answer.headers)
            assert answer.headers.get("Content-Encoding") == expected, (ref, answer.headers)
            assert "Set-Cookie" not in answer.headers, ref
            plain_name = re.sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", ref).removeprefix("/static/")
            assert _decode(answer) == (ROOT / "static" / plain_name).read_bytes(), ref
    plain = nginx.get("/static/css/app.css", "br")
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "no-cache"
    assert nginx.get("/static/css/nothing.000000000000.css", "br").status_code == 404

