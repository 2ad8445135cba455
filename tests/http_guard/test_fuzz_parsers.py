"""Fuzzing (hypothesis) of the decoders that read what strangers send: the pass text, the
OwnTracks message and each webhook body. Each may refuse, with its own error type and a
reason, and must never raise anything else."""

from __future__ import annotations

import json
import time
from typing import Any

import base45
import cbor2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from officegate.protocol import MalformedPass, PassClaims, parse_text
from officegate.protocol.cose import decode_sign1, loads_exact
from officegate.server.arrival import owntracks
from officegate.server.channels import line, whatsapp

FUZZ = settings(max_examples=300, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])
cbor_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True) | st.binary(max_size=40) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(
        st.integers(-70000, 70000) | st.text(max_size=5), inner, max_size=5)
    | st.builds(lambda v: cbor2.CBORTag(18, v), st.lists(inner, min_size=3, max_size=5)),
    max_leaves=20)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(
        st.sampled_from(["_type", "lat", "lon", "acc", "tst", "event", "desc", "events",
                         "type", "source", "userId", "message", "text", "entry", "changes",
                         "value", "messages", "statuses", "from", "id", "webhookEventId",
                         "replyToken", "contacts", "wa_id", "errors"]) | st.text(max_size=5),
        inner, max_size=6),
    max_leaves=25)


def _decode_pass(text: str) -> None:
    scanned = parse_text(text)
    message = decode_sign1(scanned.cose)
    PassClaims.from_cbor_map(loads_exact(message.payload))


@FUZZ
@given(st.one_of(
    st.text(max_size=300),
    st.builds(lambda p, v: p + base45.b45encode(cbor2.dumps(v)).decode(),
              st.sampled_from(["OG1S", "OG1R12345678"]), cbor_values),
    st.builds(lambda p, b: p + base45.b45encode(b).decode(),
              st.sampled_from(["OG1S", "OG1R00000000"]), st.binary(max_size=200))))
def test_the_pass_decoder_refuses_with_malformed_pass_only(text: str) -> None:
    try:
        _decode_pass(text)
    except MalformedPass:
        pass


def _body(doc: Any) -> bytes:
    return json.dumps(doc).encode()


@FUZZ
@given(st.one_of(json_values.map(_body), st.binary(max_size=200)))
def test_the_owntracks_decoder_refuses_with_bad_location_only(body: bytes) -> None:
    try:
        owntracks.parse(body, now=time.time())
    except owntracks.BadLocation:
        pass


@FUZZ
@given(st.one_of(json_values.map(_body), st.binary(max_size=200),
                 st.builds(lambda e: _body({"destination": "U1", "events": e}),
                           st.lists(json_values, max_size=3))))
def test_the_line_parser_refuses_with_value_error_only(body: bytes) -> None:
    try:
        line.parse_events(body)
    except ValueError:
        pass


@FUZZ
@given(st.one_of(json_values.map(_body), st.binary(max_size=200),
                 st.builds(lambda v: _body({"object": "whatsapp_business_account", "entry": [
                     {"id": "1", "changes": [{"field": "messages", "value": v}]}]}),
                           json_values)))
def test_the_whatsapp_parser_refuses_with_value_error_only(body: bytes) -> None:
    try:
        whatsapp.parse(body)
    except ValueError:
        pass
