"""Reads test cases as JSON lines on stdin and answers, one JSON line each, what
the independent `biip` library makes of them. Used by shared/tests/gs1_oracle.rs."""

import json
import sys
from decimal import Decimal

import biip
from biip.gtin import Gtin
from biip.rcn import RcnRegion
from biip.upc import Upc


def num(d):
    return None if d is None else format(Decimal(d).normalize(), "f")


def answer(case):
    kind, value = case["kind"], case["value"]
    try:
        if kind == "upce":
            return {"ok": True, "upca": Upc.parse(value).as_upc_a()}
        if kind == "rcn":
            region = RcnRegion(case["region"])
            rcn = Gtin.parse(value, config=biip.ParseConfig(rcn_region=region))
            return {"ok": True, "weight": num(rcn.weight), "price": num(rcn.price)}
        if kind == "element":
            config = biip.ParseConfig(separator_chars=["\x1d"])
            message = biip.parse(value, config=config).gs1_message
            if message is None:
                return {"ok": False}
            out = {"ok": True}
            for es in message.element_strings:
                ai = es.ai.ai
                if ai == "01":
                    # biip keeps a GTIN with a bad check digit and notes the error
                    # aside; a till refuses the scan.
                    if es.gtin_error:
                        return {"ok": False}
                    out["gtin"] = es.value
                elif ai == "10":
                    out["batch"] = es.value
                elif ai == "21":
                    out["serial"] = es.value
                elif ai in ("11", "17"):
                    out["production" if ai == "11" else "expiry"] = es.date.isoformat()
                elif ai.startswith("310"):
                    out["weight"] = num(es.decimal)
                elif ai.startswith("392"):
                    out["price"] = num(es.decimal)
            return out
    except Exception:
        return {"ok": False}
    raise ValueError(f"unknown case kind {kind!r}")


for line in sys.stdin:
    print(json.dumps(answer(json.loads(line))))
