"""Fuzzing the loader: mutated bytes of the real shared files never crash it.

The first 64 KB of each shared data file (CSV, TSV, whitespace text, Parquet,
Excel when present) are mutated with a seeded generator: bit flips, NUL bytes,
truncation, duplicated delimiters, stray quotes, invalid UTF-8 and UTF-16 byte
order marks. ``read_table`` must return a table or raise a ``CustsegError``
(one clear message); any other exception is a bug. The number of mutations is
fixed (``MUTANTS_PER_FILE`` per file), so the module is bounded: about 10 s.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from custseg.data.io import read_table
from custseg.exceptions import CustsegError

HEAD_BYTES = 64 * 1024
MUTANTS_PER_FILE = 12
SUFFIXES = (".csv", ".txt", ".tsv", ".data", ".parquet", ".xlsx", ".json", ".jsonl")


def _mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One random mutation of ``data``, and its name (for the failure message)."""
    buf = bytearray(data)
    kind = rng.choice(["flip", "nul", "truncate", "delimiter", "quote", "utf8", "bom",
                       "splice", "many"])
    rounds = rng.randint(2, 20) if kind == "many" else 1
    for _ in range(rounds):
        pos = rng.randrange(max(len(buf), 1))
        step = rng.choice(["flip", "nul", "delimiter", "quote", "utf8"]) if kind == "many" \
            else kind
        if step == "flip":
            buf[pos] ^= 1 << rng.randrange(8)
        elif step == "nul":
            buf[pos:pos] = b"\x00"
        elif step == "truncate":
            del buf[rng.randrange(1, max(len(buf), 2)):]
        elif step == "delimiter":
            buf[pos:pos] = rng.choice([b",,", b";;", b"\t\t", b"||", b"\r", b"\n\n"])
        elif step == "quote":
            buf[pos:pos] = rng.choice([b'"', b'""', b"'", b'"\n'])
        elif step == "utf8":
            buf[pos:pos] = rng.choice([b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80"])
        elif step == "bom":
            buf[0:0] = rng.choice([b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf"])
        elif step == "splice":
            a, b = sorted(rng.randrange(len(buf) + 1) for _ in range(2))
            buf[pos:pos] = buf[a:b][:4096]
    return kind, bytes(buf)


def _shared_files(root: Path) -> list[Path]:
    files = [p for p in sorted(root.rglob("*")) if p.is_file() and p.suffix.lower() in SUFFIXES
             and p.stat().st_size > 0]
    return files[:40]  # bounded, whatever lands in the folder later


def test_mutated_shared_files_give_a_table_or_a_custseg_error(shared_datasets, tmp_path):
    files = _shared_files(shared_datasets)
    if not files:
        pytest.skip(f"no data files under {shared_datasets}")
    rng = random.Random(20261130)
    outcomes = {"table": 0, "error": 0}
    for source in files:
        head = source.read_bytes()[:HEAD_BYTES]
        for i in range(MUTANTS_PER_FILE):
            kind, data = _mutate(head, rng)
            target = tmp_path / f"{source.stem[:20]}_{i}{source.suffix}"
            target.write_bytes(data)
            try:
                table = read_table(target)
            except CustsegError as err:
                outcomes["error"] += 1
                assert str(err).strip(), (source.name, kind)
            except Exception as err:  # the property under test: nothing else escapes
                pytest.fail(f"{source.name} mutant {i} ({kind}): {type(err).__name__}: {err}")
            else:
                outcomes["table"] += 1
                assert len(table.frame.columns) >= 1, (source.name, kind)
            target.unlink()
    # Both outcomes occur: the mutations neither all break the files nor all miss
    assert outcomes["table"] > 0 and outcomes["error"] > 0, outcomes


def test_the_mutator_is_seeded_and_changes_the_bytes():
    data = b"id,spend\n1,2\n3,4\n" * 20
    first = [_mutate(data, random.Random(7)) for _ in range(3)]
    again = [_mutate(data, random.Random(7)) for _ in range(3)]
    assert first == again
    rng = random.Random(1)
    assert sum(_mutate(data, rng)[1] != data for _ in range(50)) >= 45
