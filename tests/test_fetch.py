"""`policydiff fetch` against a local HTTP server on 127.0.0.1 (stdlib http.server in a thread) serving
corpus files: new, unchanged (304), page chrome changed only, changed policy, 404, a slow server past the
timeout, an oversized body. No other network."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import test_store

from corpus import CORPUS

CIGNA = CORPUS / "seeds" / "cigna-0261-dli-hpc-boost.txt"
LCD = CORPUS / "real" / "medicare-cms" / "LCD - Bariatric Surgical Management of Morbid Obesity (L35022).html"
FAST = ("--http-timeout", "0.5", "--host-delay", "0")


class Site:
    """What the server serves: path -> (body, content type); it answers 304 to a matching ETag and
    records every request's headers."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[bytes, str]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.delay = 0.0

    def handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append((self.path, dict(self.headers)))
                if self.path == "/slow":
                    time.sleep(site.delay)
                page = site.pages.get(self.path)
                if page is None:
                    self.send_error(404)
                    return
                body, media = page
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", media)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # a client that gave up on the slow page (a broken pipe) is what the test expects


@pytest.fixture
def site() -> Iterator[tuple[Site, str]]:
    served = Site()
    server = QuietServer(("127.0.0.1", 0), served.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def fetch(run, db: Path, *args: object) -> tuple[int, list[str], str]:
    code, out, err = run("fetch", *args, "--db", db, "-v", *FAST)
    return code, [line.split("\t")[0] for line in out.splitlines()[:-1]], err


def test_a_policy_is_stored_then_not_modified_then_a_new_version_only_when_its_content_changes(
    tmp_path, run, site
):
    served, base = site
    db = tmp_path / "store.sqlite"
    served.pages["/cigna"] = (CIGNA.read_bytes(), "text/plain; charset=utf-8")
    assert fetch(run, db, f"{base}/cigna")[:2] == (0, ["new"])
    _, headers = served.requests[-1]
    assert headers["User-Agent"].startswith("policydiff/")

    # Unchanged: the stored ETag makes it a conditional request, answered 304.
    assert fetch(run, db, f"{base}/cigna")[:2] == (0, ["not_modified"])
    assert served.requests[-1][1]["If-None-Match"].startswith('"')

    # Changed policy: a new version, with its source URL and fetch time kept.
    revised = test_store.cigna_variant(tmp_path, "cigna-2026.txt", effective="5/15/2026", threshold="<90%")
    served.pages["/cigna"] = (revised.read_bytes(), "text/plain")
    assert fetch(run, db, f"{base}/cigna")[:2] == (0, ["new_version"])
    rows = test_store.query(
        db,
        "SELECT pv.version, f.url, f.fetched_at FROM policy_versions pv "
        "JOIN fetched_files f ON f.sha256 = pv.sha256 ORDER BY pv.version",
    )
    assert [(version, url) for version, url, _ in rows] == [(1, f"{base}/cigna"), (2, f"{base}/cigna")]
    assert all(fetched_at.startswith("20") for _, _, fetched_at in rows)


def test_a_page_whose_chrome_changed_around_the_same_policy_is_no_new_version(tmp_path, run, site):
    served, base = site
    db = tmp_path / "store.sqlite"
    page = LCD.read_text(encoding="utf-8")
    served.pages["/lcd"] = (page.encode(), "text/html")
    assert fetch(run, db, f"{base}/lcd")[:2] == (0, ["new"])
    chrome = '<body><nav><a href="/">Home</a> | <a href="/new">What is new this week</a></nav>'
    assert "<body>" in page
    served.pages["/lcd"] = (page.replace("<body>", chrome, 1).encode(), "text/html")
    assert fetch(run, db, f"{base}/lcd")[:2] == (0, ["unchanged"])
    assert test_store.query(db, "SELECT count(*) FROM versions") == [(1,)]


def test_a_missing_page_a_slow_server_and_an_oversized_body_are_one_line_each_and_the_batch_goes_on(
    tmp_path, run, site
):
    served, base = site
    db = tmp_path / "store.sqlite"
    served.pages["/cigna"] = (CIGNA.read_bytes(), "text/plain")
    served.pages["/slow"] = (CIGNA.read_bytes(), "text/plain")
    served.pages["/big"] = (b"x" * (2 * 1024 * 1024), "text/plain")
    served.delay = 2.0
    started = time.monotonic()
    code, statuses, err = fetch(
        run, db, f"{base}/missing", f"{base}/slow", f"{base}/big", f"{base}/cigna", "--max-download-mb", "1"
    )
    assert (code, statuses) == (2, ["new"])
    lines = err.splitlines()
    assert lines[0] == f"policydiff: {base}/missing: not fetched: HTTP 404"
    assert lines[1].startswith(f"policydiff: {base}/slow: not fetched: ReadTimeout")
    assert lines[2] == f"policydiff: {base}/big: not fetched: 2097152 bytes, over the 1048576-byte cap"
    # The slow URL was tried again after a backoff (2 retries), each attempt cut at the 0.5 s timeout.
    assert [path for path, _ in served.requests].count("/slow") == 3
    assert time.monotonic() - started < 3 * 2.0


def test_a_watch_list_in_toml_or_csv_files_pages_under_its_payer_and_number(tmp_path, run, site):
    served, base = site
    served.pages["/cigna"] = (CIGNA.read_bytes(), "text/plain")
    toml = tmp_path / "watch.toml"
    toml.write_text(f'[[policy]]\nurl = "{base}/cigna"\npayer = "Cigna"\nnumber = "0261"\n', encoding="utf-8")
    csv = tmp_path / "watch.csv"
    csv.write_text(f"url,payer,number\n{base}/cigna,Cigna,0261\n", encoding="utf-8")
    db = tmp_path / "store.sqlite"
    assert fetch(run, db, "--watch", toml)[:2] == (0, ["new"])
    assert fetch(run, db, "--watch", csv)[:2] == (0, ["not_modified"])
    bad = tmp_path / "bad.csv"
    bad.write_text("payer,number\nCigna,0261\n", encoding="utf-8")
    code, _, err = fetch(run, db, "--watch", bad)
    assert code == 2
    assert "watch list entry 1 has no url" in err


def test_requests_to_one_host_are_spaced_by_the_host_delay_and_other_hosts_do_not_wait():
    from policydiff.fetch import Polite

    polite = Polite(0.3)
    started = time.monotonic()
    polite.wait("http://a.example/one")
    polite.wait("http://b.example/one")
    assert time.monotonic() - started < 0.1
    polite.wait("http://a.example/two")
    assert time.monotonic() - started >= 0.29


def test_last_modified_is_sent_back_as_if_modified_since(tmp_path):
    from contextlib import closing

    from policydiff import store

    with closing(store.connect(tmp_path / "store.sqlite")) as conn:
        assert store.fetch_validators(conn, "http://a.example/p") == {}
        store.record_fetch(conn, "http://a.example/p", "ab" * 32, None, "Wed, 21 Oct 2026 07:28:00 GMT")
        assert store.fetch_validators(conn, "http://a.example/p") == {
            "If-Modified-Since": "Wed, 21 Oct 2026 07:28:00 GMT"
        }
