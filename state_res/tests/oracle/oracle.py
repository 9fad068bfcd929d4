#!/usr/bin/env python3
"""Reference oracle for Concord's canonical JSON, hashing and signing tests.

Driven by state_res/tests/python_oracle.rs with the PyPI packages `canonicaljson` and
`signedjson` (installed into a virtualenv by .ci/run). Each command reads JSON lines on stdin
and writes one JSON line per input on stdout.

  canonical        {"value": V}                  -> {"canonical_b64": base64(canonicaljson(V))}
  verify           {"event": E, "server": S, "key_id": K, "public_key": P}
                                                  -> {"signature_ok": bool, "content_hash": b64}
  sign             {"value": V, "server": S, "seed": b64}
                                                  -> {"signed": V', "key_id": K, "public_key": P,
                                                      "content_hash": b64}
"""
import base64
import hashlib
import json
import sys

from canonicaljson import encode_canonical_json
from signedjson.key import decode_signing_key_base64, decode_verify_key_base64, get_verify_key
from signedjson.sign import SignatureVerifyException, sign_json, verify_signed_json


def unpadded(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def content_hash(event: dict) -> str:
    stripped = {k: v for k, v in event.items() if k not in ("unsigned", "signatures", "hashes")}
    return unpadded(hashlib.sha256(encode_canonical_json(stripped)).digest())


def canonical(req):
    return {"canonical_b64": unpadded(encode_canonical_json(req["value"]))}


def verify(req):
    key = decode_verify_key_base64("ed25519", req["key_id"].split(":", 1)[1], req["public_key"])
    try:
        verify_signed_json(req["event"], req["server"], key)
        ok = True
    except SignatureVerifyException:
        ok = False
    return {"signature_ok": ok, "content_hash": content_hash(req["event"])}


def sign(req):
    key = decode_signing_key_base64("ed25519", "py1", req["seed"])
    signed = sign_json(dict(req["value"]), req["server"], key)
    public = unpadded(get_verify_key(key).encode())
    return {
        "signed": signed,
        "key_id": "ed25519:py1",
        "public_key": public,
        "content_hash": content_hash(req["value"]),
    }


def main():
    handler = {"canonical": canonical, "verify": verify, "sign": sign}[sys.argv[1]]
    out = sys.stdout
    for line in sys.stdin:
        if line.strip():
            out.write(json.dumps(handler(json.loads(line))) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
