"""Reads scans as JSON lines on stdin ({"raw": ...}) and answers, one JSON line
each, what the independent `biip` library makes of them, in the shape the
till's scan endpoint is compared in: ok (the scan names an item), gtin,
batch, expiry, weight, price. Used by edge-agent/tests/scanning.rs.

Scale labels follow biip's GB layout (prefix 20, price with a price check
digit), which the test configures at the till. One reading differs from
biip's default by design: `]E0` followed by 8 digits is UPC-E (EAN-8 has
its own identifier, `]E4`), so it is read as the UPC-A it expands to."""

import json
import sys
from decimal import Decimal

import biip
from biip.rcn import Rcn, RcnRegion
from biip.upc import Upc

# In-store labels are read from retail EAN-13s only; a GTIN inside element
# strings is a plain GTIN.
RETAIL = biip.ParseConfig(separator_chars=["\x1d"], rcn_region=RcnRegion("gb"))
GS1 = biip.ParseConfig(separator_chars=["\x1d"])


def num(d):
    return None if d is None else format(Decimal(d).normalize(), "f")


def implied(ai, value):
    """A 310n/392n value with the AI's last digit as the number of decimals,
    counted from the right as the General Specifications say (biip counts
    differently for values shorter than the decimals)."""
    return num(Decimal(int(value)).scaleb(-int(ai[3])))


def gtin14(value):
    return value.rjust(14, "0")


def element_strings(raw):
    message = biip.parse(raw, config=GS1).gs1_message
    if message is None:
        return {"ok": False}
    out, keys = {"ok": True}, {}
    for es in message.element_strings:
        ai = es.ai.ai
        if ai in ("01", "02"):
            if es.gtin_error:
                return {"ok": False}
            keys[ai] = es.value
        elif ai == "10":
            out["batch"] = es.value
        elif ai == "17":
            out["expiry"] = es.date.isoformat()
        elif ai.startswith("310"):
            out["weight"] = implied(ai, es.value)
        elif ai.startswith("392"):
            out["price"] = implied(ai, es.value)
    if not keys:
        return {"ok": False}
    out["gtin"] = keys.get("01", keys.get("02"))
    return out


def retail(raw):
    result = biip.parse(raw, config=RETAIL)
    gtin = result.gtin
    if gtin is None or result.gtin_error is not None:
        return {"ok": False}
    if isinstance(gtin, Rcn) and (gtin.price is not None or gtin.weight is not None):
        return {
            "ok": True,
            "gtin": gtin14(gtin.without_variable_measure().value),
            "weight": num(gtin.weight),
            "price": num(gtin.price),
        }
    return {"ok": True, "gtin": gtin14(gtin.value)}


def answer(raw):
    try:
        if raw.startswith("]E0") and len(raw) == 11:
            return {"ok": True, "gtin": gtin14(Upc.parse(raw[3:]).as_upc_a())}
        # 8 to 14 digits are a GTIN (biip also offers a reading of the same
        # digits as element strings, which no retail scan means); an EAN/UPC
        # identifier says so too. Anything else is element strings.
        if (raw.isdigit() and len(raw) in (8, 12, 13, 14)) or raw.startswith(("]E0", "]E4")):
            return retail(raw)
        return element_strings(raw)
    except Exception:
        return {"ok": False}


for line in sys.stdin:
    print(json.dumps(answer(json.loads(line)["raw"])))
