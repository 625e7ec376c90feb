"""Fetching policies from payer sites into the store: download, then ingest as any file is.

A service layer over store and batch (they never import it). The HTTP client is kept well: conditional
requests (the ETag / Last-Modified of the last download, kept in the store), a timeout, retries with
backoff on network errors and 429/5xx, a delay between requests to one host, a User-Agent naming the
tool, and a size cap on the body. A downloaded body is saved under a folder beside the store and ingested
like any file, so a version is stored only when the policy's content changed (the store's same-content
rule: a page whose chrome changed around the same policy is no new version).
"""

from __future__ import annotations

import csv
import hashlib
import sqlite3
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from policydiff import __version__, store
from policydiff.batch import Engine, ingest_paths
from policydiff.extract.errors import ExtractError

USER_AGENT = f"policydiff/{__version__} (coverage-policy monitor)"
# Suffix the saved body gets, by media type, so the loader reads it as what it is.
SUFFIXES = {"application/pdf": ".pdf", "text/html": ".html", "text/plain": ".txt"}
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchError(ExtractError):
    """A URL could not be downloaded (HTTP error, timeout, over the size cap): one line naming it."""


@dataclass(frozen=True)
class FetchSettings:
    timeout: float = 30.0  # seconds, per connect / read
    retries: int = 2  # further attempts after the first, on network errors and 429/5xx
    backoff: float = 1.0  # seconds before the first retry, doubled for each next one
    host_delay: float = 1.0  # seconds between two requests to one host
    max_bytes: int = 50 * 1024 * 1024


@dataclass(frozen=True)
class Target:
    """One URL to watch, and the payer and number to file it under when the document prints none."""

    url: str
    payer: str | None = None
    number: str | None = None


def read_watch_list(path: Path) -> list[Target]:
    """A watch list: TOML (`[[policy]]` tables of url, payer, number) or CSV (a header row naming url,
    payer, number). Raises FetchError naming the file when it is neither or a row has no url."""
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".toml":
            rows = tomllib.loads(text).get("policy", [])
        else:
            rows = list(csv.DictReader(text.splitlines()))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, csv.Error) as error:
        raise FetchError(str(path), f"cannot read the watch list ({error})") from error
    targets = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not (row.get("url") or "").strip():
            raise FetchError(str(path), f"watch list entry {number} has no url")
        targets.append(
            Target(
                row["url"].strip(),
                (row.get("payer") or "").strip() or None,
                (row.get("number") or "").strip() or None,
            )
        )
    return targets


class Polite:
    """Waits so that two requests to one host are `delay` seconds apart."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.last: dict[str, float] = {}

    def wait(self, url: str) -> None:
        host = urlsplit(url).netloc
        if host in self.last:
            time.sleep(max(0.0, self.last[host] + self.delay - time.monotonic()))
        self.last[host] = time.monotonic()


def _body(response: httpx.Response, url: str, max_bytes: int) -> bytes:
    """The body, refused as soon as it is over `max_bytes` (declared or received)."""
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(url, f"not fetched: {declared} bytes, over the {max_bytes}-byte cap")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(url, f"not fetched: over the {max_bytes}-byte cap")
        chunks.append(chunk)
    return b"".join(chunks)


def download(
    client: httpx.Client, url: str, validators: dict[str, str], settings: FetchSettings, polite: Polite
) -> httpx.Response | tuple[httpx.Response, bytes]:
    """The response (304: unchanged since the validators) or the response with its body."""
    for attempt in range(settings.retries + 1):
        polite.wait(url)
        try:
            with client.stream("GET", url, headers=validators) as response:
                if response.status_code == 304:
                    return response
                if response.status_code not in RETRY_STATUSES or attempt == settings.retries:
                    if response.status_code >= 400:
                        raise FetchError(url, f"not fetched: HTTP {response.status_code}")
                    return response, _body(response, url, settings.max_bytes)
        except httpx.HTTPError as error:
            if attempt == settings.retries:
                raise FetchError(url, f"not fetched: {type(error).__name__} ({error})") from error
        time.sleep(settings.backoff * 2**attempt)
    raise AssertionError("unreachable: the last attempt returns or raises")


def saved_path(folder: Path, url: str, response: httpx.Response, data: bytes) -> Path:
    """Where a body is kept: by content hash, with the suffix of its media type (else the URL's)."""
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    suffix = SUFFIXES.get(media) or Path(urlsplit(url).path).suffix or ".html"
    path = folder / f"{hashlib.sha256(data).hexdigest()[:24]}{suffix}"
    folder.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(data)
    return path


def fetch(
    conn: sqlite3.Connection,
    targets: list[Target],
    engine: Engine,
    folder: Path,
    settings: FetchSettings = FetchSettings(),
) -> Iterator[tuple[Target, store.Ingested | ExtractError | None]]:
    """Each target with its outcome: the stored version, an error, or None when the server said 304."""
    polite = Polite(settings.host_delay)
    with httpx.Client(
        headers={"User-Agent": USER_AGENT}, timeout=settings.timeout, follow_redirects=True
    ) as client:
        for target in targets:
            try:
                got = download(client, target.url, store.fetch_validators(conn, target.url), settings, polite)
            except FetchError as error:
                yield target, error
                continue
            if isinstance(got, httpx.Response):
                store.record_fetch(conn, target.url, None, None, None)
                yield target, None
                continue
            response, data = got
            path = saved_path(folder, target.url, response, data)
            (outcome,) = ingest_paths(conn, [path], engine, payer=target.payer, number=target.number)
            if not isinstance(outcome, ExtractError):
                store.record_fetch(
                    conn,
                    target.url,
                    hashlib.sha256(data).hexdigest(),
                    response.headers.get("etag"),
                    response.headers.get("last-modified"),
                )
            yield target, outcome
