"""Tiny synthetic inputs for the tests and the benches: a two-stop GTFS feed and a zip bomb.

The feed (agency STAR-BENCH, route ``L1``, stops A "République" and B "Gares" in central
Rennes) runs one trip T1 A 08:00 -> B 08:05 on the weekdays of 2024-03-04..2024-03-10: a valid
feed whose members a test or a bench replaces, one at a time, by a hostile one (the tests' own
4-stop feed, with its exact answers, is ``tests/factories.py``).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

#: member name -> CSV text
TINY_GTFS: dict[str, str] = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone,agency_lang\n"
                  "STAR,STAR-BENCH,https://www.star.fr,Europe/Paris,fr\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nA,République,48.1100,-1.6780\nB,Gares,48.1050,-1.6730\n",
    "routes.txt": "route_id,agency_id,route_short_name,route_long_name,route_type\nL1,STAR,1,A - B,3\n",
    "trips.txt": "route_id,service_id,trip_id,direction_id\nL1,WK,T1,0\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                      "T1,08:00:00,08:00:00,A,1\nT1,08:05:00,08:05:00,B,2\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                    "WK,1,1,1,1,1,0,0,20240304,20240310\n",
}


def gtfs_zip(replace: dict[str, str | bytes] | None = None) -> bytes:
    """The tiny feed as zip bytes, with the members of ``replace`` in place of its own."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, text in {**TINY_GTFS, **(replace or {})}.items():
            zf.writestr(member, text)
    return buf.getvalue()


def write_bomb_zip(path: Path, members: dict[str, bytes], *, bomb_name: str, bomb_bytes: int,
                   header: bytes = b"", line: bytes = b"T1,08:00:00,08:00:00,A,1\n") -> Path:
    """A zip with small ``members`` and one entry ``bomb_name`` inflating to ``bomb_bytes``
    (``header`` then ``line`` repeated), written in ~1 s and a few MB: one 1 MiB block is
    deflated once (full flush: no back-reference across blocks) and its bytes repeated."""
    import struct
    import zlib

    unit = line * ((1 << 20) // len(line))
    reps, rest = divmod(bomb_bytes - len(header), len(unit))
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(header) + c.flush(zlib.Z_FULL_FLUSH)
    piece = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.compress(unit[:rest]) + c.flush(zlib.Z_FINISH)
    crc = zlib.crc32(header)
    for _ in range(reps):
        crc = zlib.crc32(unit, crc)
    crc = zlib.crc32(unit[:rest], crc)
    local = "<4s5H3I2H"
    entries: list[tuple[bytes, int, int, int, int]] = []
    with open(path, "wb") as fh:
        for name, data in members.items():
            cz = zlib.compressobj(9, zlib.DEFLATED, -15)
            body = cz.compress(data) + cz.flush()
            entries.append((name.encode(), zlib.crc32(data), len(body), len(data), fh.tell()))
            fh.write(struct.pack(local, b"PK\x03\x04", 20, 0, 8, 0, 0, entries[-1][1], len(body),
                                 len(data), len(name.encode()), 0) + name.encode() + body)
        raw_name = bomb_name.encode()
        size = len(head) + len(piece) * reps + len(tail)
        entries.append((raw_name, crc, size, bomb_bytes, fh.tell()))
        fh.write(struct.pack(local, b"PK\x03\x04", 20, 0, 8, 0, 0, crc, size, bomb_bytes,
                             len(raw_name), 0) + raw_name + head)
        for _ in range(reps):
            fh.write(piece)
        fh.write(tail)
        start = fh.tell()
        for name_b, crc_, csize, usize, offset in entries:
            fh.write(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc_, csize,
                                 usize, len(name_b), 0, 0, 0, 0, 0, offset) + name_b)
        fh.write(struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                             fh.tell() - start, start, 0))
    return path
