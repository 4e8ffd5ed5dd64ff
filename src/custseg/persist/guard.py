"""Checks on a model file before skops unpacks anything: sizes, zip bombs, types, version.

:func:`inspect_model_file` opens the ``.skops`` zip with :mod:`zipfile` only,
reads the central directory (sizes as declared), reads ``schema.json`` with
a hard cap, reads the header of every ``.npy`` member (never its data) and
walks the schema for the allow-list of :mod:`custseg.persist.trust`. Any
failure raises :class:`~custseg.exceptions.UnsafeModelError` (or
:class:`~custseg.exceptions.InputError` for a damaged or newer file) before a
single object is constructed.

Limits, from the models custseg writes (measured with ``custseg.run`` +
``save_model`` on 300 to 20,000 rows, every algorithm, mixed, geo, dates, logs):
file 0.20-1.14 MB, 35-156 members, schema.json 0.08-1.0 MB, the largest
array 39 KB, JSON nesting depth 24. A model does not grow with the number of
customers (1,000 rows: 0.84 MB, 20,000 rows: 0.92 MB). Each limit leaves a
margin of 30x or more over those numbers and stays far below the files of the
issue (a 1.5 GB schema, a 4 GB array).

Example
-------
>>> import pickle, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "model.skops"
>>> _ = path.write_bytes(pickle.dumps({"a": 1}))
>>> inspect_model_file(path)
Traceback (most recent call last):
...
custseg.exceptions.InputError: this is a pickle file; custseg never loads pickles, ...
"""

from __future__ import annotations

import json
import math
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib import format as npy_format

from custseg.exceptions import InputError, UnsafeModelError
from custseg.persist.trust import node_type, refused_types

MB = 1024 * 1024
#: Largest model file accepted (custseg's: at most 1.14 MB measured).
MAX_FILE_BYTES = 256 * MB
#: Largest total of the members once unpacked, as the zip declares them.
MAX_UNPACKED_BYTES = 256 * MB
#: Most members in the zip (custseg's: at most 156: schema.json + one .npy per array).
MAX_MEMBERS = 10_000
#: Largest schema.json (custseg's: at most 1.0 MB; parsing costs ~10x in memory).
MAX_SCHEMA_BYTES = 32 * MB
#: Deepest JSON nesting in schema.json (custseg's: 24).
MAX_SCHEMA_DEPTH = 100
#: Largest one array may declare in its .npy header (custseg's: at most 39 KB).
MAX_ARRAY_BYTES = 128 * MB
#: Largest unpacked/packed ratio of a member over 1 MB. custseg stores its
#: members uncompressed (ratio 1); zipping real models gives 2-10; a bomb gives
#: hundreds to a thousand (deflate's ceiling is ~1,032).
MAX_RATIO = 100

#: Version of the model layout (SegmentationModel's attributes). Raise it when
#: a change means older custseg versions cannot read the new files.
MODEL_FORMAT = 1

def _size(n: float) -> str:
    """Bytes as a short readable size: ``'795 KB'``, ``'4,096 MB'``."""
    return f"{n / MB:,.0f} MB" if n >= 10 * MB else f"{n / 1024:,.0f} KB"


_FIX = "pass the model.skops written by `custseg run`, or retrain with `custseg run`"
_PICKLE_MAGIC = (b"\x80",)  # pickle protocols 2-5 start with PROTO (0x80)


def inspect_model_file(path: Path) -> dict[str, Any]:
    """Check ``path`` without constructing any object; return the parsed schema.

    Raises :class:`UnsafeModelError` for oversized or zip-bomb files, arrays
    declaring more than :data:`MAX_ARRAY_BYTES`, deep JSON, functions and any
    type outside the allow-list; :class:`InputError` for a damaged file, a
    pickle, or a model written by a newer custseg.
    """
    where = str(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UnsafeModelError(
            f"the model file is {_size(size)}, more than the {_size(MAX_FILE_BYTES)} "
            "limit (custseg's own models are about 1 MB)", where=where, fix=_FIX)
    with path.open("rb") as handle:
        head = handle.read(4)
    if head[:1] in _PICKLE_MAGIC:
        raise InputError("this is a pickle file; custseg never loads pickles, which can run "
                         "code when opened", where=where, fix=_FIX)
    if not zipfile.is_zipfile(path):
        raise InputError("not a custseg model file (not a skops zip archive)", where=where,
                         fix=_FIX)
    try:
        with zipfile.ZipFile(path) as archive:
            _check_members(archive.infolist(), where)
            schema, nodes = _read_schema(archive, where)
            _check_types(schema, nodes, where)
            _check_arrays(archive, nodes, where)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError,
            NotImplementedError, RuntimeError) as err:
        # RuntimeError: an encrypted member; KeyError: a member the schema names is missing
        raise InputError(f"not a custseg model file ({type(err).__name__}: damaged zip)",
                         where=where, fix=_FIX) from None
    check_version(schema, where)
    return schema


def _check_members(infos: list[zipfile.ZipInfo], where: str) -> None:
    if len(infos) > MAX_MEMBERS:
        raise UnsafeModelError(
            f"the model file holds {len(infos):,} members, more than the {MAX_MEMBERS:,} "
            "limit (custseg's own models hold under 200)", where=where, fix=_FIX)
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise UnsafeModelError("the model file holds two members with the same name, a sign "
                               "of tampering", where=where, fix=_FIX)
    total = sum(info.file_size for info in infos)
    if total > MAX_UNPACKED_BYTES:
        raise UnsafeModelError(
            f"the model file unpacks to {_size(total)}, more than the "
            f"{_size(MAX_UNPACKED_BYTES)} limit (custseg's own models are about 1 MB)",
            where=where, fix=_FIX)
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MB and ratio > MAX_RATIO:
            raise UnsafeModelError(
                f"member {info.filename!r} of the model file unpacks {ratio:,.0f} times its "
                f"packed size (a zip bomb; more than {MAX_RATIO}x is refused)",
                where=where, fix=_FIX)


def _read_schema(archive: zipfile.ZipFile, where: str) -> tuple[dict[str, Any], list[dict]]:
    """The parsed schema.json and its nodes (dicts with a ``__loader__``)."""
    try:
        info = archive.getinfo("schema.json")
    except KeyError:
        raise InputError("not a custseg model file (no schema.json inside)", where=where,
                         fix=_FIX) from None
    if info.file_size > MAX_SCHEMA_BYTES:
        raise UnsafeModelError(
            f"the model's schema.json is {_size(info.file_size)}, more than the "
            f"{_size(MAX_SCHEMA_BYTES)} limit (custseg's own are about 1 MB)",
            where=where, fix=_FIX)
    with archive.open(info) as member:
        raw = member.read(MAX_SCHEMA_BYTES + 1)  # never trust the declared size alone
    if len(raw) > MAX_SCHEMA_BYTES:
        raise UnsafeModelError(f"the model's schema.json is larger than the "
                               f"{_size(MAX_SCHEMA_BYTES)} limit", where=where, fix=_FIX)
    try:
        schema = json.loads(raw)
    except RecursionError:
        raise UnsafeModelError(
            f"the model's schema.json is nested more than {MAX_SCHEMA_DEPTH} levels deep "
            "(custseg's own: 24)", where=where, fix=_FIX) from None
    except ValueError as err:
        raise InputError(f"not a custseg model file (schema.json is not valid JSON: {err})",
                         where=where, fix=_FIX) from None
    depth, nodes = _walk(schema)
    if depth > MAX_SCHEMA_DEPTH:
        raise UnsafeModelError(
            f"the model's schema.json is nested {depth} levels deep, more than the "
            f"{MAX_SCHEMA_DEPTH} limit (custseg's own: 24)", where=where, fix=_FIX)
    if not isinstance(schema, dict):
        raise InputError("not a custseg model file (schema.json is not an object)",
                         where=where, fix=_FIX)
    return schema, nodes


def _walk(tree: Any) -> tuple[int, list[dict]]:
    """(nesting depth, every node) of a parsed JSON tree, in one iterative pass."""
    deepest, nodes, stack = 0, [], [(tree, 1)]
    while stack:
        item, level = stack.pop()
        if level > deepest:
            deepest = level
        if isinstance(item, dict):
            if "__loader__" in item:
                nodes.append(item)
            stack.extend((v, level + 1) for v in item.values()
                         if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item if isinstance(v, dict | list))
    return deepest, nodes


def _check_types(schema: dict[str, Any], nodes: list[dict], where: str) -> None:
    root = (schema.get("__loader__"), schema.get("__module__"), schema.get("__class__"))
    if root != ("ObjectNode", "custseg.persist.model", "SegmentationModel"):
        raise InputError(f"the file holds a {root[1]}.{root[2]}, not a custseg model",
                         where=where, fix=_FIX)
    refused = refused_types({node_type(node) for node in nodes})
    if refused:
        shown = ", ".join(refused[:6]) + (f" and {len(refused) - 6} more"
                                          if len(refused) > 6 else "")
        raise UnsafeModelError(
            f"the model file holds types custseg never writes, refused before loading: {shown}",
            where=where, fix="only load model files written by custseg; a file holding "
                             "functions or foreign types may be an attack")
    # skops rebuilds a node whose __id__ it has seen as the earlier object, whatever the
    # node says: custseg's files repeat ids (up to ~1,900 times) but always for the same
    # kind of node, so a repeated id naming another kind (e.g. an object array's text
    # item standing for a large array) is tampering.
    seen: dict[Any, tuple] = {}
    for node in nodes:
        key = node.get("__id__")
        if key is None:
            continue
        kind = (node.get("__loader__"), node.get("__module__"), node.get("__class__"),
                node.get("type"), node.get("file"))
        if not isinstance(key, int | str):
            raise InputError("not a custseg model file (an object id is not a number)",
                             where=where, fix=_FIX)
        if seen.setdefault(key, kind) != kind:
            raise UnsafeModelError(
                f"the model file reuses object id {key} for a different kind of object "
                f"({kind[0]} {kind[1]}.{kind[2]} vs {seen[key][0]} {seen[key][1]}."
                f"{seen[key][2]}), a sign of tampering", where=where, fix=_FIX)
    for node in (n for n in nodes if n["__loader__"] == "NdArrayNode"):
        # object arrays are written as a JSON list; custseg's hold only strings/numbers
        kind = node.get("type")
        items = node.get("content") if kind == "json" else []
        if kind not in ("numpy", "json") or not isinstance(items, list) or any(
                not isinstance(i, dict) or i.get("__loader__") != "JsonNode" for i in items):
            raise UnsafeModelError("the model file holds an array custseg never writes "
                                   "(objects other than text or numbers inside)",
                                   where=where, fix=_FIX)


def _check_arrays(archive: zipfile.ZipFile, nodes: list[dict], where: str) -> None:
    """Read each array's .npy header (shape, dtype), never its data."""
    files = {info.filename for info in archive.infolist() if info.filename.endswith(".npy")}
    for node in nodes:
        if node["__loader__"] == "NdArrayNode" and node.get("type") == "numpy":
            if not isinstance(node.get("file"), str):
                raise InputError("not a custseg model file (an array names no file)",
                                 where=where, fix=_FIX)
            files.add(node["file"])
    declared_total = 0
    for name in sorted(files):
        info = archive.getinfo(name)
        with archive.open(info) as member:
            try:
                version = npy_format.read_magic(member)
                if version == (1, 0):
                    shape, _, dtype = npy_format.read_array_header_1_0(member)
                elif version == (2, 0):
                    shape, _, dtype = npy_format.read_array_header_2_0(member)
                else:
                    raise ValueError(f"npy format {version}")
            except ValueError as err:
                raise InputError(f"not a custseg model file (array {name!r}: {err})",
                                 where=where, fix=_FIX) from None
        if dtype.hasobject:
            raise UnsafeModelError(f"array {name!r} in the model file holds Python objects "
                                   "(loading them would unpickle)", where=where, fix=_FIX)
        declared = math.prod(int(d) for d in shape) * dtype.itemsize
        declared_total += declared
        if declared > MAX_ARRAY_BYTES or declared_total > MAX_UNPACKED_BYTES:
            raise UnsafeModelError(
                f"array {name!r} in the model file declares shape {tuple(shape)} of "
                f"{np.dtype(dtype).name} ({_size(declared)}), more than the "
                f"{_size(MAX_ARRAY_BYTES)} limit (custseg's largest is under 1 MB)",
                where=where, fix=_FIX)
        if declared > info.file_size:
            raise UnsafeModelError(
                f"array {name!r} in the model file declares {declared:,} bytes but holds "
                f"{info.file_size:,} (a tampered header)", where=where, fix=_FIX)


# ------------------------------------------------------------------ version
def installed_version() -> str:
    """The version of the running custseg (package metadata, else ``__version__``)."""
    import importlib.metadata

    try:
        return importlib.metadata.version("custseg")
    except importlib.metadata.PackageNotFoundError:
        from custseg import __version__

        return __version__


def _release(text: str) -> tuple[int, ...] | None:
    """``"1.2.3rc1"`` -> ``(1, 2, 3)``; None when there is no leading number."""
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", text)
    return tuple(int(p) for p in match.group(1).split(".")) if match else None


def _newer(written: str, installed: str) -> bool:
    """True when release ``written`` is later than ``installed`` (1.2 == 1.2.0)."""
    a, b = _release(written), _release(installed)
    if a is None or b is None:
        return False
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)) > b + (0,) * (width - len(b))


def _json_value(node: Any) -> Any:
    if isinstance(node, dict) and node.get("__loader__") == "JsonNode":
        try:
            return json.loads(node.get("content", "null"))
        except (TypeError, ValueError):
            return None
    return None


def _dict_content(node: Any) -> dict[str, Any]:
    if isinstance(node, dict) and node.get("__loader__") == "DictNode" and isinstance(
            node.get("content"), dict):
        return node["content"]
    return {}


def written_by(schema: dict[str, Any]) -> tuple[str | None, int | None]:
    """(custseg version, model format) recorded in a model's schema, read without loading.

    Models saved before the version was stored give ``(versions["custseg"] or
    None, None)``.
    """
    attrs = _dict_content(schema.get("content"))
    metadata = _dict_content(attrs.get("metadata"))
    version = _json_value(metadata.get("custseg_version"))
    if version is None:
        version = _json_value(_dict_content(metadata.get("versions")).get("custseg"))
    fmt = _json_value(metadata.get("model_format"))
    return (version if isinstance(version, str) else None,
            fmt if isinstance(fmt, int) and not isinstance(fmt, bool) else None)


def check_version(schema: dict[str, Any], where: str) -> None:
    """Refuse a model written by a newer custseg, or in a newer model format."""
    version, fmt = written_by(schema)
    installed = installed_version()
    if fmt is not None and fmt > MODEL_FORMAT:
        raise InputError(
            f"the model was written in model format {fmt} by custseg {version or '?'}; the "
            f"installed custseg {installed} reads format {MODEL_FORMAT} and older",
            where=where, fix="upgrade custseg (pip install -U custseg), or retrain the model "
                             "with this version: custseg run")
    if version is not None and _newer(version, installed):
        raise InputError(
            f"the model was written by custseg {version}, newer than the installed "
            f"custseg {installed}", where=where,
            fix="upgrade custseg (pip install -U custseg), or retrain the model with this "
                "version: custseg run")


# ------------------------------------------------------------------ Spark models
#: Largest metadata file of a Spark stage (custseg's: under 10 KB; a SQLTransformer
#: statement grows with the number of columns, ~150 bytes each).
MAX_SPARK_METADATA_BYTES = 16 * MB
#: Most stages in a Spark pipeline (custseg's: 10).
MAX_SPARK_STAGES = 200
#: Spark model format (custseg_model.json "version") this custseg reads.
SPARK_MODEL_FORMAT = 1

_SPARK_FIX = "pass the spark_model/ folder written by `custseg run --engine spark`"
_UID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# String literals ('...', "..."), quoted names (`...`) and comments, scanned left to
# right as Spark's lexer does, so nothing inside them is mistaken for a call and no
# call hides behind a quote inside a comment (or the reverse).
_SQL_LITERALS = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`]|``)*`"""
                           r"|--[^\n]*|/\*.*?\*/", re.S)
_SQL_CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def inspect_spark_model(folder: Path) -> None:
    """Check a Spark model folder before pyspark reads it (nothing imported, no Spark).

    pyspark imports the class each ``metadata`` file names and calls its
    ``load``, and a SQLTransformer runs its SQL statement, so: every class must
    be one custseg writes (:data:`~custseg.persist.trust.SPARK_CLASSES`), stage
    ids must be plain names (no path tricks), SQL statements may call only the
    functions custseg uses, and ``custseg_model.json`` must not come from a
    newer custseg.
    """
    from custseg.persist.trust import SPARK_CLASSES

    where = str(folder)
    pipeline = folder / "pipeline"
    metadata = _spark_metadata(pipeline, where)
    stage_ids = [uid for m in metadata for uid in m.get("paramMap", {}).get("stageUids", [])]
    if len(stage_ids) > MAX_SPARK_STAGES:
        raise UnsafeModelError(f"the Spark model has {len(stage_ids):,} stages, more than "
                               f"{MAX_SPARK_STAGES}", where=where, fix=_SPARK_FIX)
    stages = []
    for m in metadata:
        uids = m.get("paramMap", {}).get("stageUids", [])
        for index, uid in enumerate(uids):
            if not isinstance(uid, str) or not _UID.fullmatch(uid):
                raise UnsafeModelError(f"the Spark model names a stage {str(uid)[:80]!r}, not "
                                       "a plain Spark id", where=where, fix=_SPARK_FIX)
            stage = pipeline / "stages" / f"{str(index).zfill(len(str(len(uids))))}_{uid}"
            stages += _spark_metadata(stage, where)
    for m in metadata + stages:
        name = m.get("class")
        if name not in SPARK_CLASSES or "language" in m:
            raise UnsafeModelError(
                f"the Spark model holds a class custseg never writes: {str(name)[:120]}",
                where=where, fix="only load Spark model folders written by custseg; "
                                 "pyspark would import and run that class")
        statement = m.get("paramMap", {}).get("statement")
        if name.endswith(".SQLTransformer"):
            _check_sql(statement, where)
    _check_spark_version(folder, where)


def _spark_metadata(path: Path, where: str) -> list[dict[str, Any]]:
    """Every JSON line of the (non-hidden) files in ``path/metadata``."""
    folder = path / "metadata"
    files = sorted(f for f in folder.glob("*") if f.is_file()
                   and not f.name.startswith((".", "_"))) if folder.is_dir() else []
    if not files:
        raise InputError(f"not a custseg Spark model folder (no metadata in {path.name}/)",
                         where=where, fix=_SPARK_FIX)
    out = []
    for file in files:
        if file.stat().st_size > MAX_SPARK_METADATA_BYTES:
            raise UnsafeModelError(f"the Spark metadata file {file.name} is "
                                   f"{_size(file.stat().st_size)}, more than the "
                                   f"{_size(MAX_SPARK_METADATA_BYTES)} limit", where=where,
                                   fix=_SPARK_FIX)
        for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except (ValueError, RecursionError):
                raise InputError(f"not a custseg Spark model folder ({file.name} is not "
                                 "JSON)", where=where, fix=_SPARK_FIX) from None
            if not isinstance(value, dict) or not isinstance(value.get("paramMap", {}), dict):
                raise InputError("not a custseg Spark model folder (metadata is not an "
                                 "object)", where=where, fix=_SPARK_FIX)
            out.append(value)
    return out


def _check_sql(statement: Any, where: str) -> None:
    """A SQLTransformer statement: ``SELECT *, <expressions> FROM __THIS__`` calling known
    functions only (literals and quoted names are removed before looking)."""
    from custseg.persist.trust import SPARK_SQL_FUNCTIONS

    bare = _SQL_LITERALS.sub(lambda m: " " if m.group(0)[0] in "-/" else "''", statement) \
        if isinstance(statement, str) else ""
    calls = {c.lower() for c in _SQL_CALL.findall(bare)} - SPARK_SQL_FUNCTIONS
    words = re.findall(r"[A-Za-z_]+", bare.upper())
    if (not re.fullmatch(r"\s*SELECT\s+\*\s*,.*\bFROM\s+__THIS__\s*", bare, re.S)
            or calls or words.count("SELECT") != 1 or words.count("FROM") != 1
            or ";" in bare):
        what = (f"calls {', '.join(sorted(calls))}, which custseg never uses" if calls else
                "is not of the form custseg writes (SELECT *, ... FROM __THIS__)")
        raise UnsafeModelError(f"a SQL statement in the Spark model {what}",
                               where=where, fix="only load Spark model folders written by "
                                                "custseg; Spark SQL can call Java and read "
                                                "files")


def _check_spark_version(folder: Path, where: str) -> None:
    meta_path = folder / "custseg_model.json"
    if not meta_path.is_file() or meta_path.stat().st_size > MAX_SPARK_METADATA_BYTES:
        raise InputError("not a custseg Spark model folder (custseg_model.json missing or "
                         "too large)", where=where, fix=_SPARK_FIX)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError):
        raise InputError("not a custseg Spark model folder (custseg_model.json is not JSON)",
                         where=where, fix=_SPARK_FIX) from None
    if not isinstance(meta, dict):
        raise InputError("not a custseg Spark model folder (custseg_model.json is not an "
                         "object)", where=where, fix=_SPARK_FIX)
    fmt = meta.get("version")
    version = (meta.get("versions") or {}).get("custseg") if isinstance(
        meta.get("versions"), dict) else None
    installed = installed_version()
    fix = ("upgrade custseg (pip install -U custseg), or retrain the model with this version: "
           "custseg run --engine spark")
    if isinstance(fmt, int) and not isinstance(fmt, bool) and fmt > SPARK_MODEL_FORMAT:
        raise InputError(f"the Spark model was written in format {fmt} by custseg "
                         f"{version or '?'}; the installed custseg {installed} reads format "
                         f"{SPARK_MODEL_FORMAT}", where=where, fix=fix)
    if isinstance(version, str) and _newer(version, installed):
        raise InputError(f"the Spark model was written by custseg {version}, newer than the "
                         f"installed custseg {installed}", where=where, fix=fix)
