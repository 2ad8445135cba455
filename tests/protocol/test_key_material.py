"""Keys an edge trusts and keys the server signs with: every refusal and every boundary."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519

from officegate.protocol import KeySet, SigningKey, TrustedKey
from officegate.protocol.cose import sig_structure
from officegate.protocol.keys import alg_of, kid_for

ED = SigningKey.generate("EdDSA")
ES = SigningKey.generate("ES256")


def key_json(key: SigningKey = ED, **changes: object) -> dict:
    obj = key.trusted().to_json()
    obj.update(changes)
    return obj


def test_key_is_in_service_between_its_bounds_inclusive():
    key = ED.trusted(not_before=100.0, not_after=200.0)
    assert key.in_service(100.0) is None and key.in_service(200.0) is None
    assert "not in service before 100" in (key.in_service(99.9) or "")
    assert "retired at 200" in (key.in_service(200.1) or "")
    assert ED.trusted().in_service(0.0) is None


@pytest.mark.parametrize("key", [ED, ES], ids=["EdDSA", "ES256"])
def test_signature_checks(key):
    data = sig_structure(b"\xa0", b"payload")
    signature = key.sign(data)
    trusted = key.trusted()
    assert len(signature) == 64
    assert trusted.verify_signature(signature, data)
    assert not trusted.verify_signature(signature, data + b"x")
    assert not trusted.verify_signature(signature[:32] + bytes(32), data)
    assert not trusted.verify_signature(bytes(32) + signature[32:], data)
    assert trusted.verify_signature(signature + b"\x00", data) is False
    assert trusted.verify_signature(signature[:63], data) is False
    assert trusted.verify_signature(bytes(64), data) is False


def test_es256_signature_is_raw_r_and_s_big_endian():
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    data = b"to be signed"
    signature = ES.sign(data)
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    ES.public_key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))


def test_alg_of_each_key_type():
    assert alg_of(ED.public_key) == "EdDSA" and alg_of(ES.public_key) == "ES256"
    assert alg_of(ed25519.Ed25519PrivateKey.generate()) == "EdDSA"
    with pytest.raises(ValueError, match="only Ed25519"):
        alg_of(ec.generate_private_key(ec.SECP384R1()).public_key())
    with pytest.raises(ValueError, match="only Ed25519"):
        alg_of(x25519.X25519PrivateKey.generate())


def test_trusted_key_must_match_its_alg():
    with pytest.raises(ValueError, match="does not match alg 'ES256'"):
        TrustedKey(ED.kid, "ES256", ED.public_key, ED.code_key)


def test_trusted_key_json_has_every_field():
    obj = ES.trusted(not_before=1.0, not_after=2.0).to_json()
    assert obj["kid"] == ES.kid.hex() and obj["alg"] == "ES256"
    assert obj["public_key"].startswith("-----BEGIN PUBLIC KEY-----")
    assert base64.b64decode(obj["code_key"]) == ES.code_key
    assert (obj["not_before"], obj["not_after"]) == (1.0, 2.0)
    back = TrustedKey.from_json(obj)
    assert (back.kid, back.alg, back.code_key, back.not_before, back.not_after) == (
        ES.kid, "ES256", ES.code_key, 1.0, 2.0)


@pytest.mark.parametrize(("changes", "message"), [
    ({"alg": "RS256"}, "unsupported alg"),
    ({"alg": "ES256"}, "does not match"),
    ({"code_key": "not base64!"}, "bad field"),
    ({"code_key": "AA!AA"}, "bad field"),  # strict Base64: no characters skipped
    ({"kid": "zz"}, "bad field"),
    ({"public_key": "junk"}, "bad field"),
    ({"not_before": True}, "must be numbers"),
    ({"not_after": "tomorrow"}, "must be numbers"),
])
def test_trusted_key_json_errors_name_the_field(changes, message):
    with pytest.raises(ValueError, match=message):
        TrustedKey.from_json(key_json(**changes))


def test_trusted_key_json_missing_field_is_named():
    obj = key_json()
    del obj["code_key"]
    with pytest.raises(ValueError, match="missing 'code_key'"):
        TrustedKey.from_json(obj)
    with pytest.raises(ValueError, match="JSON object"):
        TrustedKey.from_json([obj])


def test_trusted_key_json_refuses_a_key_of_another_type():
    pem = x25519.X25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    with pytest.raises(ValueError, match="Ed25519 or P-256"):
        TrustedKey.from_json(key_json(public_key=pem))


def test_trusted_key_bounds_may_be_numbers_or_null():
    assert TrustedKey.from_json(key_json(not_before=5, not_after=None)).not_before == 5


def test_keyset_json_is_compact_and_round_trips():
    keys = KeySet("hq", [ED.trusted(), ES.trusted()], version=3)
    data = keys.to_json()
    assert b'", "' not in data and b'": ' not in data and json.loads(data)["site"] == "hq"
    back = KeySet.from_json(data.decode())
    assert (back.site, back.version, [k.kid for k in back.keys]) == ("hq", 3, [ED.kid, ES.kid])
    assert back.get(ES.kid) is not None and back.get(ES.kid).alg == "ES256"


@pytest.mark.parametrize(("doc", "message"), [
    (b"{", "not JSON"), (b"\xff", "not JSON"), (b"[]", "JSON object"),
    (b'{"site":"","version":1,"keys":[]}', "'site'"),
    (b'{"site":5,"version":1,"keys":[]}', "'site'"),
    (b'{"site":"hq","version":true,"keys":[]}', "'version'"),
    (b'{"site":"hq","version":1,"keys":{}}', "'keys'"),
])
def test_keyset_json_errors_name_the_field(doc, message):
    with pytest.raises(ValueError, match=message):
        KeySet.from_json(doc)


def test_signing_key_needs_a_32_byte_code_key():
    private = ed25519.Ed25519PrivateKey.generate()
    assert SigningKey(private, b"k" * 32).kid == kid_for(private.public_key())
    for size in (31, 33):
        with pytest.raises(ValueError, match="32 bytes"):
            SigningKey(private, b"k" * size)
    assert len(SigningKey.generate().code_key) == 32
    assert len(ED.kid) == 8


def test_generate_knows_two_algorithms_only():
    assert SigningKey.generate("ES256").alg == "ES256"
    assert SigningKey.generate().alg == "EdDSA"
    with pytest.raises(ValueError, match="unsupported alg 'RS256'"):
        SigningKey.generate("RS256")


def test_failed_save_leaves_no_temporary_file(tmp_path: Path):
    target = tmp_path / "site.key"
    target.mkdir()  # a directory is in the way: os.replace fails
    with pytest.raises(OSError):
        ED.save(target)
    assert [p.name for p in tmp_path.iterdir()] == ["site.key"]


@pytest.mark.parametrize("text", [
    "-----BEGIN OFFICEGATE CODE KEY-----\nAAAA\n",  # no end line
    "no key here",
])
def test_load_refuses_a_file_without_a_whole_code_key_block(tmp_path: Path, text):
    path = tmp_path / "x.key"
    path.write_text(text)
    with pytest.raises(ValueError, match="no OfficeGate code key block"):
        SigningKey.load(path)


def test_load_refuses_a_private_key_of_another_type(tmp_path: Path):
    pem = x25519.X25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    path = tmp_path / "x.key"
    code = base64.b64encode(b"k" * 32).decode()
    path.write_text(f"{pem}-----BEGIN OFFICEGATE CODE KEY-----\n{code}\n"
                    "-----END OFFICEGATE CODE KEY-----\n")
    with pytest.raises(ValueError, match="not an Ed25519 or P-256 private key"):
        SigningKey.load(path)


def test_load_refuses_a_code_key_that_is_not_strict_base64(tmp_path: Path):
    path = tmp_path / "site.key"
    ED.save(path)
    text = path.read_text()
    code = base64.b64encode(ED.code_key).decode()
    path.write_text(text.replace(code, code[:10] + "!" + code[10:]))
    with pytest.raises(ValueError):
        SigningKey.load(path)


def test_key_text_round_trips_and_errors_name_their_source():
    again = SigningKey.from_text(ES.to_text())
    assert (again.kid, again.alg, again.code_key) == (ES.kid, "ES256", ES.code_key)
    with pytest.raises(ValueError, match="^key: no OfficeGate code key block"):
        SigningKey.from_text("junk")
    with pytest.raises(ValueError, match="^vault row 7: no OfficeGate"):
        SigningKey.from_text("junk", source="vault row 7")
