"""Byte-identical model files: the same run gives the same ``model.skops``.

skops writes a zip whose members carry the time of writing and whose names
and ``__id__`` fields are Python object addresses (``id(obj)``), so two
identical runs give different bytes although they hold the same model.
:func:`make_skops_reproducible` rewrites the zip with

* every address replaced by its order of first appearance (1, 2, 3, ...;
  skops treats an ``__id__`` of 0 as "none", so numbering starts at 1),
  consistently in member names and in ``schema.json`` — objects that shared
  an address still share a number, so skops' memo restores the same sharing;
* a fixed member date (1980-01-01, the earliest a zip can hold).

Member order, compression and contents are kept, so ``skops.io.load`` reads
the result exactly as the original.

Example
-------
>>> import tempfile, pathlib
>>> import skops.io as sio
>>> path = pathlib.Path(tempfile.mkdtemp()) / "m.skops"
>>> sio.dump({"a": [1, 2]}, path)
>>> make_skops_reproducible(path)
>>> sio.load(path, trusted=sio.get_untrusted_types(file=path))
{'a': [1, 2]}
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path
from typing import Any

#: The earliest date a zip member can carry.
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_MEMBER = re.compile(r"^(?P<stem>[0-9A-Za-z-]+)(?P<suffix>\.(npy|npz|bin))$")


def make_skops_reproducible(path: str | Path) -> None:
    """Rewrite the skops zip at ``path`` so equal models give equal bytes (in place)."""
    path = Path(path)
    with zipfile.ZipFile(path) as source:
        infos = source.infolist()
        members = {info.filename: source.read(info) for info in infos}
    if "schema.json" not in members:
        return  # not a skops file: leave it alone
    numbers: dict[str, int] = {}

    def number(token: str) -> int:
        return numbers.setdefault(token, len(numbers) + 1)

    def rename(name: str) -> str:
        match = _MEMBER.match(name)
        return f"{number(match['stem'])}{match['suffix']}" if match else name

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "__id__" and isinstance(value, int) and not isinstance(value, bool):
                    out[key] = number(str(value))
                elif key == "file" and isinstance(value, str):
                    out[key] = rename(value)
                else:
                    out[key] = walk(value)
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    schema = walk(json.loads(members["schema.json"]))
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with zipfile.ZipFile(tmp, "w") as target:
            for info in infos:
                name = info.filename
                data = json.dumps(schema, indent=2).encode("utf-8") \
                    if name == "schema.json" else members[name]
                fixed = zipfile.ZipInfo(name if name == "schema.json" else rename(name),
                                        date_time=FIXED_DATE)
                fixed.compress_type = info.compress_type
                fixed.external_attr = info.external_attr
                fixed.create_system = info.create_system
                target.writestr(fixed, data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
