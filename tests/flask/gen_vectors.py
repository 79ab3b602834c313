#!/usr/bin/env python3
"""Golden vectors for axum-sesame's `flask` module, made by the real Flask stack.

Prints the Rust file `runtime/src/flask_format/vectors.rs`: Flask session cookies
(itsdangerous), Flask-Login remember cookies and session identifiers, all
produced by the pinned packages in requirements.txt, never by hand.

    python3 -m venv /tmp/flaskvenv
    /tmp/flaskvenv/bin/pip install -r tests/flask/requirements.txt
    /tmp/flaskvenv/bin/python tests/flask/gen_vectors.py > runtime/src/flask_format/vectors.rs

Check a cookie made elsewhere (by the Rust side, say) with the real Flask:

    /tmp/flaskvenv/bin/python tests/flask/gen_vectors.py check SECRET COOKIE [NOW]

prints the session Flask reads from it (repr), or the itsdangerous error.
"""

from __future__ import annotations

import base64
import hashlib
import json as json_module
import math
import random
import struct
import sys
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from importlib.metadata import version
from uuid import UUID

import itsdangerous.timed
from flask import Flask
from flask import flash
from flask import request
from flask import session
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager
from flask_login import UserMixin
from flask_login import login_user
from flask_login.utils import _create_identifier as identifier_v06
from flask_login.utils import encode_cookie
from markupsafe import Markup
from werkzeug.http import http_date

TIMESTAMP = 1700000000
MAX_AGE = int(timedelta(days=31).total_seconds())  # Flask's PERMANENT_SESSION_LIFETIME


def identifier_main() -> str:
    """Flask-Login main (unreleased 0.7.0, commit c8bba84), utils._create_identifier, verbatim."""
    h = hashlib.sha512()
    h.update(f"{request.remote_addr}|{request.user_agent.string}".encode())
    return h.hexdigest()


def freeze_clock(ts: int) -> None:
    """itsdangerous reads the time through TimestampSigner.get_timestamp."""
    itsdangerous.timed.TimestampSigner.get_timestamp = lambda self: ts


def make_app(secret: str | bytes, fallbacks: list[str | bytes] | None = None) -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = secret
    app.config["SECRET_KEY_FALLBACKS"] = fallbacks or []
    return app


def dump_session(app: Flask, data: dict) -> tuple[str, str]:
    """The session cookie and the JSON inside it, as Flask's save_session makes them."""
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    with app.app_context():
        return serializer.dumps(data), serializer.serializer.dumps(data)


def load_session(app: Flask, cookie: str) -> dict:
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    with app.app_context():
        return serializer.loads(cookie, max_age=MAX_AGE)


# ---------------------------------------------------------------- Rust output


def rust_str(s: str) -> str:
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= ord(ch) < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\u{{{ord(ch):x}}}")
    return '"' + "".join(out) + '"'


def rust_bytes(b: bytes) -> str:
    out = []
    for byte in b:
        ch = chr(byte)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= byte < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\x{byte:02x}")
    return 'b"' + "".join(out) + '"'


def rust_opt(value: str | bytes | None) -> str:
    if value is None:
        return "None"
    return f"Some({rust_str(value) if isinstance(value, str) else rust_bytes(value)})"


def rust_secret(secret: str | bytes) -> str:
    if isinstance(secret, str):
        return f"Secret::Text({rust_str(secret)})"
    return f"Secret::Bytes({rust_bytes(secret)})"


def emit_session(
    name: str,
    doc: str,
    secret: str | bytes,
    cookie: str,
    json: str,
    fallbacks: list[str | bytes] | None = None,
) -> None:
    fb = ", ".join(rust_secret(f) for f in fallbacks or [])
    print(f"/// {doc}")
    print(f"pub(super) const {name}: SessionVector = SessionVector {{")
    print(f"    secret: {rust_secret(secret)},")
    print(f"    fallbacks: &[{fb}],")
    print(f"    cookie: {rust_str(cookie)},")
    print(f"    json: {rust_str(json)},")
    print("};")
    print()


def main() -> None:
    freeze_clock(TIMESTAMP)
    versions = ", ".join(
        f"{p} {version(p)}" for p in ("Flask", "itsdangerous", "Werkzeug", "Flask-Login", "Flask-Session", "msgspec")
    )
    print(
        f"""//! Golden vectors printed by `tests/flask/gen_vectors.py` with the real {versions}
//! (and, for [`IdentifierVector::main`], Flask-Login's main branch at c8bba84).
//! Regenerate them with the script; don't edit by hand.
#![allow(dead_code)]

/// A `SECRET_KEY` as the Python app holds it: `str` or `bytes`.
#[derive(Clone, Copy, Debug)]
pub(super) enum Secret {{
    /// A Python `str`.
    Text(&'static str),
    /// Python `bytes`.
    Bytes(&'static [u8]),
}}

/// A session cookie made by Flask's `SecureCookieSessionInterface`.
#[derive(Debug)]
pub(super) struct SessionVector {{
    /// `SECRET_KEY`.
    pub(super) secret: Secret,
    /// `SECRET_KEY_FALLBACKS`.
    pub(super) fallbacks: &'static [Secret],
    /// The cookie value.
    pub(super) cookie: &'static str,
    /// The tagged JSON inside it, as Flask dumps it.
    pub(super) json: &'static str,
}}

/// A remember cookie made by Flask-Login's `encode_cookie`.
#[derive(Debug)]
pub(super) struct RememberVector {{
    /// `SECRET_KEY`.
    pub(super) secret: Secret,
    /// The user id.
    pub(super) user_id: &'static str,
    /// The cookie value.
    pub(super) cookie: &'static str,
}}

/// Flask-Login's `_create_identifier` for one request.
#[derive(Debug)]
pub(super) struct IdentifierVector {{
    /// `REMOTE_ADDR`.
    pub(super) remote_addr: Option<&'static str>,
    /// The `X-Forwarded-For` header's bytes.
    pub(super) forwarded_for: Option<&'static [u8]>,
    /// The `User-Agent` header's bytes.
    pub(super) user_agent: Option<&'static [u8]>,
    /// Flask-Login 0.6.3.
    pub(super) v06: &'static str,
    /// Flask-Login main (unreleased 0.7.0).
    pub(super) main: &'static str,
}}

/// The itsdangerous timestamp of every session vector.
pub(super) const TIMESTAMP: u64 = {TIMESTAMP};
/// Flask's default `PERMANENT_SESSION_LIFETIME` (31 days), in seconds.
pub(super) const MAX_AGE: u64 = {MAX_AGE};
"""
    )

    # -- plain sessions, signed with the short secret `k` (Flask allows it)
    app = make_app("k")
    cookie, json = dump_session(app, {"_user_id": "1"})
    assert cookie == "eyJfdXNlcl9pZCI6IjEifQ.ZVPxAA.v4jQ6bQewFIkEg-D6J2iIdGfd6I"
    emit_session("GOLDEN", "The golden vector of issue 7.", "k", cookie, json)

    multi = {
        "_user_id": "zoë@bar.tld",
        "_fresh": True,
        "name": "Zoë ☃ 😀 \u2028",
        "ctl": 'tab\tnl\n"q" \\ / \x00\x1f\x7f',
        "n": 42,
        "neg": -7,
        "f": 1.5,
        "tiny": 1e-7,
        "huge": 1e16,
        "none": None,
        "list": [1, "two", False],
        "nested": {"b": {"z": [], "a": {}}, "a": 1},
        "Zed": "keys sort by code point",
        "é": "non-ASCII key",
    }
    cookie, json = dump_session(app, multi)
    emit_session("MULTI", "Many keys, non-ASCII text, control characters, numbers.", "k", cookie, json)

    tags = {
        "tuple": ("a", 1, ["x", ("y",)]),
        "fake_tuple": {" t": 1},
        "fake_di": {" di": {"x": 1}},
        "bytes": b"\x00\xffhi",
        "markup": Markup("<b>hi</b>"),
        "uuid": UUID("12345678-1234-5678-1234-567812345678"),
        "dt": datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc),
        "fake_bytes_non_string": {" b": 1},
    }
    cookie, json = dump_session(app, tags)
    emit_session("TAGS", "Every tag of Flask's TaggedJSONSerializer.", "k", cookie, json)

    cookie, json = dump_session(app, {"x": {" m": "<i>"}})
    emit_session(
        "LOOKALIKE",
        "A dict that looks like a Markup value: escaped with ` di`.",
        "k",
        cookie,
        json,
    )

    big = {"_user_id": "1", "big": "x" * 3000}
    cookie, json = dump_session(app, big)
    assert cookie.startswith(".")
    emit_session("COMPRESSED", "Big and repetitive: zlib-compressed, marked by a leading `.`.", "k", cookie, json)

    # -- key rotation: signed with the old key, read by an app that moved on
    old = make_app("old secret")
    cookie, json = dump_session(old, {"_user_id": "1"})
    rotated = make_app("new secret", ["older secret", "old secret"])
    assert load_session(rotated, cookie) == {"_user_id": "1"}
    emit_session(
        "FALLBACK",
        "Signed with a key now in SECRET_KEY_FALLBACKS.",
        "new secret",
        cookie,
        json,
        fallbacks=["older secret", "old secret"],
    )

    # -- non-ASCII str secret: the session key is its UTF-8, the remember key its Latin-1
    text = make_app("clé")
    cookie, json = dump_session(text, {"_user_id": "1"})
    emit_session("TEXT_SECRET", "A non-ASCII `str` secret (UTF-8 for itsdangerous).", "clé", cookie, json)
    raw = make_app(b"\x00\xffraw")
    cookie, json = dump_session(raw, {"_user_id": "1"})
    emit_session("BYTES_SECRET", "A `bytes` secret.", b"\x00\xffraw", cookie, json)

    # -- expiry, as itsdangerous judges it: age == max_age is fine, one more is not,
    #    and a timestamp in the future is refused too.
    app_k = make_app("k")
    golden = "eyJfdXNlcl9pZCI6IjEifQ.ZVPxAA.v4jQ6bQewFIkEg-D6J2iIdGfd6I"
    for now, ok in ((TIMESTAMP + MAX_AGE, True), (TIMESTAMP + MAX_AGE + 1, False), (TIMESTAMP - 1, False)):
        freeze_clock(now)
        try:
            load_session(app_k, golden)
            assert ok, now
        except itsdangerous.SignatureExpired:
            assert not ok, now
    freeze_clock(TIMESTAMP)

    # -- a real login through Flask-Login: remember me, a flash, a permanent session
    users = {"foo@bar.tld": "foo@bar.tld"}

    class User(UserMixin):
        def __init__(self, uid: str) -> None:
            self.id = uid

    login = make_app("k")
    manager = LoginManager(login)
    manager.session_protection = "basic"
    manager.user_loader(lambda uid: User(uid) if uid in users else None)

    @login.post("/login")
    def do_login() -> str:
        login_user(User("foo@bar.tld"), remember=True, duration=timedelta(days=2))
        flash("Welcome, Zoë ☃", "success")
        flash("second")
        session.permanent = True
        return "ok"

    client = login.test_client()
    ua = "Mozilla/5.0 (X11; Linux x86_64)"
    client.post("/login", environ_base={"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": ua})
    session_cookie = client.get_cookie("session").value
    remember_cookie = client.get_cookie("remember_token").value
    with login.app_context():
        json = SecureCookieSessionInterface().get_signing_serializer(login).serializer.dumps(
            load_session(login, session_cookie)
        )
    emit_session(
        "LOGIN",
        f"After Flask-Login's login_user(remember=True, duration=2 days), two flash() and"
        f" session.permanent = True, from 127.0.0.1 with User-Agent {ua!r}.",
        "k",
        session_cookie,
        json,
    )
    print("/// The remember cookie of the same response.")
    print(f"pub(super) const LOGIN_REMEMBER: &str = {rust_str(remember_cookie)};")
    print(f"/// The client of that login: `REMOTE_ADDR`.")
    print('pub(super) const LOGIN_ADDR: &str = "127.0.0.1";')
    print(f"/// The client of that login: `User-Agent`.")
    print(f"pub(super) const LOGIN_UA: &str = {rust_str(ua)};")
    print()

    # -- remember cookies (encode_cookie reads the app's SECRET_KEY; str keys go through latin1)
    print("/// Remember cookies from Flask-Login's `encode_cookie`.")
    print("pub(super) const REMEMBER: &[RememberVector] = &[")
    for secret in ("k", "clé", b"\x00\xffraw"):
        with make_app(secret).app_context():
            for uid in ("1", "foo@bar.tld", "zoë", "a|b", ""):
                cookie = encode_cookie(uid)
                print("    RememberVector {")
                print(f"        secret: {rust_secret(secret)},")
                print(f"        user_id: {rust_str(uid)},")
                print(f"        cookie: {rust_str(cookie)},")
                print("    },")
    print("];")
    print()

    # -- session identifiers: werkzeug hands header values over as latin-1 str (PEP 3333)
    cases: list[tuple[str | None, bytes | None, bytes | None]] = [
        ("127.0.0.1", None, b"Mozilla/5.0"),
        ("127.0.0.1", None, None),
        (None, None, None),
        ("127.0.0.1", b"203.0.113.7, 10.0.0.1", b"curl/8.5.0"),
        ("127.0.0.1", b" 203.0.113.7 ", b""),
        ("127.0.0.1", b"", b"x"),
        ("::1", None, b"caf\xe9 O'Reilly"),
        ("127.0.0.1", None, b"both ' and \" and \\ and \t and \x7f"),
        ("127.0.0.1", None, b"only \"double\""),
        (None, b"\xc3\xa9, x", b"\xff\x00"),
        ("127.0.0.1", b"\x0b1.2.3.4\x0c, y", b"\xa0ua\xa0"),
    ]
    print("/// Flask-Login's session identifiers, 0.6.3 and main.")
    print("pub(super) const IDENTIFIERS: &[IdentifierVector] = &[")
    for addr, xff, ua_bytes in cases:
        environ = {"REMOTE_ADDR": addr}
        if xff is not None:
            environ["HTTP_X_FORWARDED_FOR"] = xff.decode("latin-1")
        if ua_bytes is not None:
            environ["HTTP_USER_AGENT"] = ua_bytes.decode("latin-1")
        with login.test_request_context(environ_base=environ):
            v06, v07 = identifier_v06(), identifier_main()
        print("    IdentifierVector {")
        print(f"        remote_addr: {rust_opt(addr)},")
        print(f"        forwarded_for: {rust_opt(xff)},")
        print(f"        user_agent: {rust_opt(ua_bytes)},")
        print(f"        v06: {rust_str(v06)},")
        print(f"        main: {rust_str(v07)},")
        print("    },")
    print("];")
    print()

    # -- floats: Python's repr, as json.dumps writes them
    rng = random.Random(7)
    floats = [1.0, 0.1, -0.0, 1e16, 1e15, 9999999999999998.0, 0.0001, 0.00001, 1.5e-7, 5e-324,
              1.7976931348623157e308, 123456789.123, 2.5e-5, 1e22, 1e21, 3.14159, -2.0 ** 70, 100.0]
    floats += [struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0] for _ in range(40)]
    floats += [rng.uniform(-1e6, 1e6) for _ in range(20)] + [rng.expovariate(1e-3) for _ in range(10)]
    print("/// `(f64::to_bits, json.dumps)` for floats, as Python writes them.")
    print("pub(super) const FLOATS: &[(u64, &str)] = &[")
    for x in floats:
        if math.isfinite(x):
            bits = struct.unpack("<Q", struct.pack("<d", x))[0]
            print(f"    (0x{bits:016x}, {rust_str(json_module.dumps(x))}),")
    print("];")
    print()

    # -- Flask-Session 0.8: the Redis record (msgspec msgpack) and signed session ids
    from flask_session.base import MsgSpecSerializer
    from flask_session.base import ServerSideSession
    from itsdangerous import Signer

    def untagged(value: object) -> object:
        if isinstance(value, (list, tuple)):
            return [untagged(v) for v in value]
        if isinstance(value, dict):
            return {k: untagged(v) for k, v in value.items()}
        if isinstance(value, bytes):
            return {" b": base64.b64encode(value).decode()}
        if isinstance(value, datetime):
            return {" d": http_date(value)}
        return value

    record_session = {
        "_permanent": True,
        "_user_id": "foo@bar.tld",
        "_fresh": True,
        "_id": "0" * 128,
        "_flashes": [("message", "hi"), ("error", "zoë")],
        "cart": [1, 2.5, None, "zoë", -(2**63), 2**64 - 1],
        "raw": b"\x00\xff",
        "when": datetime(2015, 10, 21, 7, 28, tzinfo=timezone.utc),
        "later": datetime(2500, 1, 1, tzinfo=timezone.utc),
        "deep": {"a": {"b": [True, False, {}]}},
    }
    serializer = MsgSpecSerializer(app=make_app("k"), format="msgpack")
    record = serializer.encode(ServerSideSession(record_session, sid="x"))
    print("/// A Flask-Session record, as `RedisSessionInterface` stores it (msgspec msgpack).")
    print(f"pub(super) const RECORD: &[u8] = {rust_bytes(record)};")
    print("/// The same session in the untagged form, as JSON.")
    print(f"pub(super) const RECORD_UNTAGGED: &str = {rust_str(json_module.dumps(untagged(record_session)))};")
    print("/// `(SECRET_KEY, session id, signed cookie value)` with `SESSION_USE_SIGNER`.")
    print("pub(super) const SIGNED_SIDS: &[(&str, &str, &str)] = &[")
    for secret, sid in (("k", "Zm9vYmFy-_"), ("clé", "a" * 43)):
        signed = Signer(secret, salt="flask-session", key_derivation="hmac").sign(sid).decode()
        print(f"    ({rust_str(secret)}, {rust_str(sid)}, {rust_str(signed)}),")
    print("];")


def check(secret: str, cookie: str, now: str | None) -> None:
    freeze_clock(int(now) if now else TIMESTAMP)
    try:
        print(repr(load_session(make_app(secret), cookie)))
    except itsdangerous.BadData as e:
        print(f"{type(e).__name__}: {e}")
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    else:
        main()
