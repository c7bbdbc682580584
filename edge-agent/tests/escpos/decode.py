#!/usr/bin/env python3
"""An ESC/POS decoder for the printer tests, written from Epson's ESC/POS
command reference independently of the agent's encoder.

Reads a print job on stdin and writes JSON on stdout: the printed text lines
(decoded with the code page in force), code pages selected, cuts, drawer
pulses, barcodes, QR codes, raster images and status requests. A byte sequence
it does not know is an error: the test fails rather than guess.
"""
import json
import sys

# ESC t n -> Python codec (Epson character code tables).
TABLES = {0: "cp437", 2: "cp850", 16: "cp1252", 19: "cp858"}
CODE128_SETS = {b"{A", b"{B", b"{C"}
BARCODE_B = {65: "UPC-A", 66: "UPC-E", 67: "EAN13", 68: "EAN8", 69: "CODE39",
             70: "ITF", 71: "CODABAR", 72: "CODE93", 73: "CODE128"}


class Decoder:
    def __init__(self, data):
        self.d = data
        self.i = 0
        self.codec = "cp437"
        self.out = {"lines": [], "code_pages": [], "cuts": [], "drawer_pulses": [],
                    "barcodes": [], "qr": [], "images": [], "status_requests": [],
                    "bold_lines": [], "double_lines": [], "centered_lines": [], "resets": 0}
        self.line = bytearray()
        self.bold = self.double = False
        self.align = 0
        self.qr_store = None

    def take(self, n):
        if self.i + n > len(self.d):
            raise ValueError(f"command cut short at byte {self.i}")
        chunk = self.d[self.i:self.i + n]
        self.i += n
        return chunk

    def byte(self):
        return self.take(1)[0]

    def end_line(self):
        text = self.line.decode(self.codec)
        self.out["lines"].append(text)
        if self.bold and text.strip():
            self.out["bold_lines"].append(text)
        if self.double and text.strip():
            self.out["double_lines"].append(text)
        if self.align == 1 and text.strip():
            self.out["centered_lines"].append(text)
        self.line = bytearray()

    def run(self):
        while self.i < len(self.d):
            b = self.byte()
            if b == 0x0A:
                self.end_line()
            elif b == 0x1B:
                self.esc(self.byte())
            elif b == 0x1D:
                self.gs(self.byte())
            elif b == 0x1C:
                self.fs(self.byte())
            elif b == 0x10:
                c = self.byte()
                if c == 0x04:
                    self.out["status_requests"].append(self.byte())
                elif c == 0x14:
                    # DLE DC4 fn=1 m t: generate pulse in real time, on pin 2
                    # (m=0) or 5 (m=1), t x 100 ms on and off, 1 <= t <= 8.
                    if self.byte() != 1:
                        raise ValueError(f"unknown DLE DC4 function at byte {self.i - 1}")
                    m, t = self.take(2)
                    if m not in (0, 1) or not 1 <= t <= 8:
                        raise ValueError(f"DLE DC4 1 pin {m} time {t} out of range")
                    self.out["drawer_pulses"].append({"pin": 2 if m == 0 else 5,
                                                      "on_ms": t * 100, "off_ms": t * 100,
                                                      "realtime": True})
                else:
                    raise ValueError(f"unknown DLE command at byte {self.i}")
            elif b < 0x20:
                raise ValueError(f"unknown control byte {b:#04x} at {self.i - 1}")
            else:
                self.line.append(b)
        if self.line:
            self.end_line()
        return self.out

    def esc(self, c):
        if c == ord("@"):
            self.out["resets"] += 1
            self.bold = self.double = False
            self.align = 0
        elif c == ord("t"):
            n = self.byte()
            if n not in TABLES:
                raise ValueError(f"code table {n} unknown to the decoder")
            self.codec = TABLES[n]
            self.out["code_pages"].append(self.codec)
        elif c == ord("a"):
            self.align = self.byte() % 48
        elif c == ord("E"):
            self.bold = self.byte() & 1 == 1
        elif c == ord("M"):
            self.byte()
        elif c == ord("d"):
            for _ in range(self.byte()):
                self.end_line()
        elif c == ord("p"):
            pin, on, off = self.take(3)
            self.out["drawer_pulses"].append({"pin": 2 if pin in (0, 48) else 5,
                                              "on_ms": on * 2, "off_ms": off * 2})
        else:
            raise ValueError(f"unknown command ESC {c:#04x}")

    def gs(self, c):
        if c == ord("!"):
            n = self.byte()
            self.double = (n & 0x0F) > 0 and (n & 0xF0) > 0
        elif c in (ord("h"), ord("w"), ord("H")):
            self.byte()
        elif c == ord("V"):
            m = self.byte()
            kind = {0: "full", 48: "full", 1: "partial", 49: "partial",
                    65: "full", 66: "partial"}.get(m)
            if kind is None:
                raise ValueError(f"unknown cut mode {m}")
            if m in (65, 66):
                self.byte()  # feed before cutting
            self.out["cuts"].append(kind)
        elif c == ord("k"):
            m = self.byte()
            if m <= 6:  # function A: NUL-terminated
                end = self.d.index(0, self.i)
                data = self.take(end - self.i)
                self.byte()
                kind = {2: "EAN13"}.get(m, f"A{m}")
            else:
                n = self.byte()
                data = self.take(n)
                kind = BARCODE_B.get(m)
                if kind is None:
                    raise ValueError(f"unknown barcode system {m}")
                if kind == "CODE128":
                    if data[:2] not in CODE128_SETS:
                        raise ValueError("CODE128 data must start with a code set")
                    data = data[2:].replace(b"{{", b"{")
            self.out["barcodes"].append({"type": kind, "data": data.decode("ascii")})
        elif c == ord("("):
            fn = self.byte()
            size = int.from_bytes(self.take(2), "little")
            body = self.take(size)
            if fn != ord("k"):
                raise ValueError(f"unknown command GS ( {chr(fn)}")
            cn, fn2 = body[0], body[1]
            if cn != 49:
                raise ValueError("only QR code (cn 49) is known")
            if fn2 == 80:  # store the data
                self.qr_store = body[3:].decode("utf-8")
            elif fn2 == 81:  # print the stored data
                if self.qr_store is None:
                    raise ValueError("QR print before any QR data")
                self.out["qr"].append(self.qr_store)
            elif fn2 not in (65, 67, 69):
                raise ValueError(f"unknown QR function {fn2}")
        elif c == ord("v"):
            if self.byte() != 0x30:
                raise ValueError("GS v must be GS v 0")
            self.byte()  # density mode
            x = int.from_bytes(self.take(2), "little")
            y = int.from_bytes(self.take(2), "little")
            bits = self.take(x * y)
            self.out["images"].append({"bytes_per_row": x, "rows": y,
                                       "black_dots": sum(bin(v).count("1") for v in bits),
                                       # where it is: after this many text lines
                                       "after_lines": len(self.out["lines"])})
        else:
            raise ValueError(f"unknown command GS {c:#04x}")

    def fs(self, c):
        if c != ord("("):
            raise ValueError(f"unknown command FS {c:#04x}")
        fn = self.byte()
        size = int.from_bytes(self.take(2), "little")
        body = self.take(size)
        if fn == ord("C") and body[0] == 48:
            self.codec = {1: "cp437", 2: "utf-8"}.get(body[1], self.codec)
            self.out["code_pages"].append(self.codec)
        else:
            raise ValueError(f"unknown command FS ( {chr(fn)}")


def main():
    data = sys.stdin.buffer.read()
    try:
        out = Decoder(data).run()
    except (ValueError, UnicodeDecodeError) as e:
        print(json.dumps({"error": str(e)}))
        sys.exit(1)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
