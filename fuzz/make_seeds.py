#!/usr/bin/env python3
"""Writes the seed corpora of SECURITY.md §4.1 and §4.2 into fuzz/seeds/<target>/.

Valid values are signed here, in Python, from the format in runtime/src/codec.rs
(HKDF-SHA256 subkeys, HMAC-SHA256 over domain, purpose and name), so the seeds also check
that the format is what the docs say: the fuzz targets start from values they accept.
"""
import base64, hashlib, hmac, json, os, struct

KEY = b"fuzz key fuzz key fuzz key fuzz key!"
NOW = 1_700_000_000
HERE = os.path.dirname(os.path.abspath(__file__))


def hkdf(ikm, info, salt=b"axum-sesame/v1 key derivation", n=32):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm, t, i = b"", b"", 1
    while len(okm) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        okm += t
        i += 1
    return okm[:n]


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=")


def sign(payload, purpose, name, key=KEY):
    k = hkdf(key, b"mac:" + purpose.encode())
    body = b64(payload)
    msg = (b"sesame/v1\0" + struct.pack(">H", len(purpose)) + purpose.encode()
           + struct.pack(">H", len(name)) + name.encode() + b"." + body)
    return b"v1." + body + b"." + b64(hmac.new(k, msg, hashlib.sha256).digest())


def leb(n):
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return out + bytes([n])


def session(uid="foo@bar.tld", iat=NOW - 10, seen=NOW - 5, d=None, f=None):
    """The session payload in the cookie's compact form (runtime/src/session/compact.rs)."""
    flags = 1 << 2  # sid
    body = leb(iat) + leb(max(seen - iat, 0))
    if uid:
        flags |= (1 << 3) | (1 << 4) | (1 << 5)  # uid, fat, ah
        body += leb(NOW - 10)
    body += bytes(range(16))
    if uid:
        body += leb(len(uid.encode())) + uid.encode() + bytes(16)
    parts = 0
    for bit, part in ((1, d), (2, f)):
        if part:
            parts |= bit
            j = json.dumps(part, separators=(",", ":")).encode()
            body += leb(len(j)) + j
    return bytes([1, flags, parts]) + body


def write(target, seeds):
    d = os.path.join(HERE, "seeds", target)
    os.makedirs(d, exist_ok=True)
    for i, s in enumerate(seeds):
        with open(os.path.join(d, f"seed-{i:03}"), "wb") as f:
            f.write(s)


V = sign(session(), "session", "session")
W = sign(session("bar@bar.tld"), "session", "session")
R = sign(json.dumps({"uid": "foo@bar.tld", "rid": b64(bytes(16)).decode(), "iat": NOW - 10,
                     "exp": NOW + 3600, "ah": "AAAAAAAAAAAAAAAAAAAAAA"},
                    separators=(",", ":")).encode(), "remember", "remember_token")
p, m = V.split(b".")[1], V.split(b".")[2]
values = [
    V, W, R, b"", b".", b"...", b"v1..", b"v1." + p + b".", b"v1.." + m, V[:-1], V + b"A",
    V + b"=", V + b"==", V + b"." + m, b"A" + V, V.replace(b".", b":"), V + V, V[::-1],
    b"v1." + p + b"." + W.split(b".")[2], V[: len(V) // 2] + W[len(W) // 2:],
    V.replace(b"v1.", b"v2.", 1), V.replace(b"v1.", b"V1.", 1), V.replace(b"-", b"+"),
    V.replace(b".", b"%2E"), V + b"%zz", b'"' + V + b'"', V[:20] + b"\xc3\xa9" + V[20:],
    b"\xff\x80\xc0\xaf\xed\xa0\x80", b"A" * 4097, b"." * 10_000, b"eyJ1aWQiOiJmb29AYmFyLnRsZCJ9",
    b"{}", b"null", b"foo@bar.tld|" + b"0" * 128, b"eyJhbGciOiJub25lIn0.eyJzdWIiOiJmb28ifQ.",
    sign(b"not json", "session", "session"), sign(b"[]", "session", "session"),
    sign(b"[" * 1500 + b"]" * 1500, "session", "session"),
    sign(session(iat=NOW + 3600, seen=NOW + 3600), "session", "session"),
    sign(session(iat=2**63 - 1), "session", "session"),
    sign(session(uid=None, d={"a": [1, 2, {"b": None}]}, f=[["message", "hi"]]), "session", "session"),
    sign(session(), "session", "session", key=b"another key another key another key!"),
]
write("codec_decode", values)
write("remember_decode", values)
write("session_cookie_header", [b"session=" + v for v in values] + [
    b"session", b";;;", b"=" + V, b"session==" + V, b"session=junk; session=" + V,
    b"session=" + V + b"; session=junk", b"theme=\xff; session=" + V,
    b"; ".join(b"a%d=1" % i for i in range(300)) + b"; session=" + V,
    b"Session=" + V, b"SESSION=" + V, "sеssion=".encode() + V,
])
write("next_validator", [s.encode() for s in [
    "/protected", "/protected?x=1&y=%2F%2F", "/a/b/../c", "/%2F/evil.com", "/.//evil.com",
    "/@evil.com", "/%5Cevil.com", "/%09/evil.com", "//evil.com", "///evil.com", "/\\evil.com",
    "\\\\evil.com", "https://evil.com", "http:evil.com", "javascript:alert(1)",
    "java\tscript:alert(1)", "/\t/evil.com", "/\n/evil.com", "//evil\u3002com",
    "\uff0f\uff0fevil.com", "/" + "a" * 5000, "", "?next=//evil.com", "#//evil.com",
]])
