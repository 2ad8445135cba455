"""The page's TOTP and its pure-JS SHA-256/HMAC fallback against published vectors."""

from __future__ import annotations

import hashlib
import hmac
import os

import pytest
from pageutil import open_pass
from passsite import PassSite

pytestmark = pytest.mark.browser

# RFC 6238 appendix B, SHA-256 rows (32-byte ASCII seed, 30 s period, 8 digits).
RFC6238_SHA256 = [(59, "46119246"), (1111111109, "68084774"), (1111111111, "67062674"),
                  (1234567890, "91819424"), (2000000000, "90698825"), (20000000000, "77737706")]
SEED = b"12345678901234567890123456789012"

RUN = """async ({ cases, seed, times }) => {
  const T = window.OfficeGateTotp;
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  const bytes = (h) => new Uint8Array((h.match(/../g) || []).map((x) => parseInt(x, 16)));
  const out = { js: [], subtle: [], sha: [], totpJs: [], totpSubtle: [] };
  for (const [key, msg] of cases) {
    out.js.push(hex(await T.hmacSha256Js(bytes(key), bytes(msg))));
    out.subtle.push(hex(await T.hmacSha256Subtle(bytes(key), bytes(msg))));
    out.sha.push(hex(T.sha256(bytes(msg))));
  }
  for (const t of times) {
    out.totpJs.push(await T.totp(bytes(seed), t, 30, 8, T.hmacSha256Js));
    out.totpSubtle.push(await T.totp(bytes(seed), t, 30, 8, T.hmacSha256Subtle));
  }
  return out;
}"""


def test_js_hmac_and_totp_match_python_webcrypto_and_rfc6238(site: PassSite, phone) -> None:
    page = open_pass(phone(), f"{site.url}/p/tok-1")
    # RFC 4231 cases 1, 2 and 6 (key longer than a block), plus lengths around padding edges.
    cases = [(b"\x0b" * 20, b"Hi There"), (b"Jefe", b"what do ya want for nothing?"),
             (b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First"),
             (b"k", b"")]  # WebCrypto refuses an empty key; an empty message is fine
    cases += [(os.urandom(32), os.urandom(n)) for n in (55, 56, 63, 64, 65, 119, 1000)]
    result = page.evaluate(RUN, {
        "cases": [[k.hex(), m.hex()] for k, m in cases],
        "seed": SEED.hex(), "times": [t for t, _ in RFC6238_SHA256],
    })
    want = [hmac.new(k, m, hashlib.sha256).hexdigest() for k, m in cases]
    assert result["js"] == want
    assert result["subtle"] == want
    assert result["sha"] == [hashlib.sha256(m).hexdigest() for _, m in cases]
    assert want[0] == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    codes = [c for _, c in RFC6238_SHA256]
    assert result["totpJs"] == codes
    assert result["totpSubtle"] == codes
