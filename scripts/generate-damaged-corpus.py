#!/usr/bin/env python3
"""Write the damaged-archive corpus: broken copies of a good sample, and what must survive each.

    python3 scripts/generate-damaged-corpus.py OUTPUT_DIR [--source samples/shop-prod/audit.log]

Every file in OUTPUT_DIR is the sample (one audit event per line) damaged in one way: cut gzip
streams, flipped bits, tarballs with a bad header or sizes that lie, a zip without its central
directory, NUL bytes, JSON nested 100 000 deep, duplicate keys, huge numbers, a 1 GiB line.
`corpus.json` lists them with what the analysis must give, computed here from the intact original:
the events that lie wholly before (and, where the format allows, after) the damage must all be
analyzed (`minEvents`), no event may be invented (`maxEvents`), and the damage must be counted as
skipped records (`skipped`, by `SkipReason`) or as a problem with the input (`problems`, any of
the kinds listed). `Tests/KubeSiftCoreTests/Pipeline/DamagedCorpusTests.swift` checks each.

Deterministic (gzip mtime 0, fixed tar and zip metadata, fixed offsets); Python 3 stdlib only.
"""

import argparse
import gzip
import io
import json
import os
import tarfile
import zipfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def complete_lines(data: bytes) -> int:
    return data.count(b"\n")


def gzip_bytes(data: bytes, level: int = 6) -> bytes:
    return gzip.compress(data, compresslevel=level, mtime=0)


def zlib_recovers(damaged: bytes) -> bytes:
    """What zlib inflates from a damaged gzip stream before it stops (the oracle `gzip -dc` is)."""
    inflater = zlib.decompressobj(31)
    out = bytearray()
    for offset in range(0, len(damaged), 4096):
        try:
            out += inflater.decompress(damaged[offset:offset + 4096])
        except zlib.error:
            break
    return bytes(out)


def common_prefix(a: bytes, b: bytes) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class Corpus:
    def __init__(self, out: str, lines: list[bytes]):
        self.out = out
        self.lines = lines
        self.text = b"".join(lines)
        self.cases = []

    def add(self, file, data, damage, min_events, max_events, skipped=None, problems=()):
        with open(os.path.join(self.out, file), "wb") as f:
            f.write(data)
        self.cases.append({
            "file": file,
            "damage": damage,
            "minEvents": min_events,
            "maxEvents": max_events,
            # null: any skip reasons are allowed (garbled bytes may read as several kinds); otherwise exact.
            "skipped": skipped,
            # Kinds of input problem any of which reports the damage; empty: there must be none.
            "problems": list(problems),
        })

    # ---------------------------------------------------------------- records

    def with_line(self, index: int, line: bytes, replace: bool = False) -> bytes:
        """The text with `line` inserted before (or replacing) line `index` (0-based)."""
        kept = self.lines[:index] + [line] + self.lines[index + (1 if replace else 0):]
        return b"".join(kept)

    def event_with(self, index: int, field: bytes) -> bytes:
        """Line `index` with `field` (`"key":value`) added as its first member."""
        line = self.lines[index]
        assert line.startswith(b"{")
        return b"{" + field + b"," + line[1:]

    def records(self):
        n = len(self.lines)
        self.add("nul-line.log", self.with_line(200, b"\0" * 4096 + b"\n"),
                 "a line of 4096 NUL bytes between two events (what a crash leaves in a preallocated file)",
                 n, n, {"not-json": 1})
        self.add("nul-before-event.log", self.with_line(200, b"\0" * 4096 + self.lines[200], replace=True),
                 "4096 NUL bytes glued to the start of an event, no newline between (writing resumed after a crash)",
                 n, n, {"not-json": 1})
        line = self.lines[300]
        cut = line.index(b'"userAgent":"') + len(b'"userAgent":"') + 3
        self.add("nul-in-string.log", self.with_line(300, line[:cut] + b"\0" + line[cut:], replace=True),
                 "a raw NUL byte inside a string of one event (accepted: the scanner does not police control characters)",
                 n - 1, n, None)
        deep = b'"requestObject":' + b"[" * 100_000 + b"]" * 100_000
        self.add("nested-100000-deep.log", self.with_line(250, self.event_with(250, deep), replace=True),
                 "one event with a request body of arrays nested 100 000 deep",
                 n - 1, n - 1, {"nested-too-deep": 1})
        self.add("unclosed-100000-deep.log", self.with_line(250, b"[" * 100_000 + b"\n"),
                 "a line of 100 000 opening brackets, never closed",
                 n, n, {"nested-too-deep": 1})
        duplicate = self.event_with(100, b'"verb":"delete","user":{"username":"system:admin"}')
        self.add("duplicate-keys.log", self.with_line(100, duplicate, replace=True),
                 "one event with `verb` and `user` each given twice",
                 n, n, {})
        huge = self.lines[400].replace(b'"code":', b'"code":1' + b"0" * 400 + b"e999999,\"x\":", 1)
        assert huge != self.lines[400]
        self.add("huge-numbers.log", self.with_line(400, huge, replace=True),
                 "one event whose response code has 400 digits and an exponent of 999999",
                 n, n, {})

    def long_line(self):
        """A gzip stream with a 1 GiB line (a JSON string of one byte repeated) in the middle."""
        n = len(self.lines)
        half = n // 2
        compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
        parts = [compressor.compress(b"".join(self.lines[:half]))]
        parts.append(compressor.compress(self.event_with(half, b'"requestObject":{"data":"')[:-2]))
        block = b"a" * (1 << 20)
        for _ in range(1 << 10):
            parts.append(compressor.compress(block))
        parts.append(compressor.compress(b'"}}\n' + b"".join(self.lines[half:])))
        parts.append(compressor.flush())
        self.add("line-1gib.log.gz", b"".join(parts),
                 "a 1 GiB line between two halves of the log, gzip-compressed",
                 n, n, {"over-length-limit": 1})

    # ---------------------------------------------------------------- streams

    def gzip_cuts(self):
        n = len(self.lines)
        full = gzip_bytes(self.text)
        offsets = [10, len(full) // 100, len(full) // 10, len(full) // 4, len(full) // 2, len(full) * 3 // 4,
                   len(full) * 9 // 10, len(full) * 99 // 100, len(full) - 4, len(full) - 1]
        for offset in offsets:
            cut = full[:offset]
            before = complete_lines(zlib_recovers(cut))
            self.add(f"gzip-cut-at-{offset}.log.gz", cut,
                     f"the gzip stream cut at byte {offset} of {len(full)}",
                     before, n, None, ["truncated", "corrupt"])

    def gzip_bit_flips(self):
        n = len(self.lines)
        full = gzip_bytes(self.text)
        for share in (20, 50, 80):
            offset = 10 + (len(full) - 18) * share // 100
            damaged = bytearray(full)
            damaged[offset] ^= 0x10
            recovered = zlib_recovers(bytes(damaged))
            intact = complete_lines(self.text[:common_prefix(recovered, self.text)])
            # Flipped bits may turn into other bytes that still read as events, so only the events
            # before the first wrong byte are certain; the CRC-32 in the trailer reports the damage.
            self.add(f"gzip-bit-flip-at-{offset}.log.gz", bytes(damaged),
                     f"one bit flipped at byte {offset} of {len(full)} of a gzip stream",
                     intact, n, None, ["corrupt", "truncated"])

    # ---------------------------------------------------------------- archives

    def parts(self):
        n = len(self.lines)
        a, b = n // 3, 2 * n // 3
        return [("part-1.log", b"".join(self.lines[:a])), ("part-2.log", b"".join(self.lines[a:b])),
                ("part-3.log", b"".join(self.lines[b:]))]

    def tar_bytes(self):
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            for name, data in self.parts():
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode, info.uid, info.gid = len(data), 1763683200, 0o644, 0, 0
                tar.addfile(info, io.BytesIO(data))
        return bytearray(out.getvalue())

    def tar_header_offsets(self):
        offsets, offset = [], 0
        for _, data in self.parts():
            offsets.append(offset)
            offset += 512 + (len(data) + 511) // 512 * 512
        return offsets

    @staticmethod
    def set_size(tar: bytearray, header: int, size: int):
        tar[header + 124:header + 136] = b"%011o\0" % size
        tar[header + 148:header + 156] = b" " * 8
        tar[header + 148:header + 156] = b"%06o\0 " % sum(tar[header:header + 512])

    def tars(self):
        (_, first), (_, second), (_, third) = self.parts()
        lines = [complete_lines(first), complete_lines(second), complete_lines(third)]
        headers = self.tar_header_offsets()

        tar = self.tar_bytes()
        tar[headers[1] + 148] ^= 0x01  # the checksum no longer matches
        self.add("tar-bad-header-checksum.tar", bytes(tar),
                 "a tar whose second member's header has a wrong checksum",
                 lines[0] + lines[2], sum(lines), None, ["corrupt"])

        tar = self.tar_bytes()
        tar[headers[1]:headers[1] + 100] = bytes((i * 37 + 11) % 256 for i in range(100))
        self.add("tar-garbled-header.tar", bytes(tar),
                 "a tar whose second member's header name field is overwritten with binary bytes",
                 lines[0] + lines[2], sum(lines), None, ["corrupt"])

        tar = self.tar_bytes()
        short = 4000
        self.set_size(tar, headers[1], short)
        self.add("tar-size-too-small.tar", bytes(tar),
                 f"a tar whose second member claims {short} bytes of its {len(second)}",
                 lines[0] + complete_lines(second[:short]) + lines[2], sum(lines), None, ["corrupt"])

        tar = self.tar_bytes()
        claimed = len(second) + 10 * 512
        self.set_size(tar, headers[1], claimed)
        # The member then holds the third's header and the start of its data; the line the header is
        # glued to is lost, and no header is found after it.
        swallowed = complete_lines(bytes(tar[headers[1] + 512:headers[1] + 512 + claimed]))
        self.add("tar-size-too-large.tar", bytes(tar),
                 "a tar whose second member claims 5 KiB more than it holds, swallowing the third's header",
                 lines[0] + swallowed - 1, sum(lines), None, ["truncated", "corrupt"])

        self.add("tar-cut-in-header.tar", bytes(self.tar_bytes()[:headers[2] + 200]),
                 "a tar cut inside the third member's header",
                 lines[0] + lines[1], lines[0] + lines[1], {}, ["truncated", "corrupt"])

    def zip_bytes(self, method):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, data in self.parts():
                info = zipfile.ZipInfo(name, date_time=(2026, 11, 21, 0, 0, 0))
                info.compress_type = method
                archive.writestr(info, data)
        return bytearray(out.getvalue())

    def zips(self):
        total = len(self.lines)
        (_, first), (_, second), (_, third) = self.parts()
        lines = [complete_lines(first), complete_lines(second), complete_lines(third)]

        archive = self.zip_bytes(zipfile.ZIP_DEFLATED)
        directory = archive.rindex(b"PK\x05\x06")
        start = int.from_bytes(archive[directory + 16:directory + 20], "little")
        for offset in range(start, directory):
            archive[offset] = 0xEE
        self.add("zip-broken-central-directory.zip", bytes(archive),
                 "a zip whose central directory is overwritten with junk (read as a stream, it is not needed)",
                 total, total, {}, [])

        archive = self.zip_bytes(zipfile.ZIP_DEFLATED)
        self.add("zip-without-central-directory.zip", bytes(archive[:archive.index(b"PK\x01\x02")]),
                 "a zip cut just before its central directory",
                 total, total, {}, ["corrupt", "truncated"])

        archive = self.zip_bytes(zipfile.ZIP_STORED)
        second_header = archive.index(b"PK\x03\x04", 4)
        short = 3000
        archive[second_header + 18:second_header + 22] = short.to_bytes(4, "little")
        archive[second_header + 22:second_header + 26] = short.to_bytes(4, "little")
        self.add("zip-size-too-small.zip", bytes(archive),
                 f"a stored zip member whose local header claims {short} bytes of its {len(second)}",
                 lines[0] + lines[2], total, None, ["corrupt", "truncated"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output")
    parser.add_argument("--source", default=os.path.join(ROOT, "samples/shop-prod/audit.log"))
    parser.add_argument("--skip-long-line", action="store_true", help="leave out the 1 GiB line (a 1 MB file)")
    args = parser.parse_args()
    with open(args.source, "rb") as f:
        lines = f.read().splitlines(keepends=True)
    os.makedirs(args.output, exist_ok=True)
    corpus = Corpus(args.output, lines)
    corpus.records()
    if not args.skip_long_line:
        corpus.long_line()
    corpus.gzip_cuts()
    corpus.gzip_bit_flips()
    corpus.tars()
    corpus.zips()
    with open(os.path.join(args.output, "corpus.json"), "w") as f:
        json.dump({"source": os.path.relpath(args.source, ROOT), "events": len(lines), "cases": corpus.cases},
                  f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
