"""The saved model: preprocessing + clusterer + segment names, in one skops file.

skops stores objects without pickle's ability to run arbitrary code on load.
:func:`load_model` goes further: before skops constructs anything it checks
the file's size, member count, unpacked size and compression ratio, the shape
every array declares, the depth of ``schema.json``, every type against the
exact allow-list of :mod:`custseg.persist.trust` (functions refused) and the
custseg version that wrote it (see :mod:`custseg.persist.guard` and
docs/security.md), so a tampered file cannot execute code or exhaust memory.

Example
-------
>>> import numpy as np, pandas as pd
>>> from sklearn.cluster import KMeans
>>> from sklearn.preprocessing import StandardScaler
>>> frame = pd.DataFrame({"spend": [1.0, 1.2, 9.0, 9.5], "visits": [1, 2, 20, 21]})
>>> model = SegmentationModel(
...     preprocessor=StandardScaler().set_output(transform="default"),
...     estimator=KMeans(2, n_init=3, random_state=0),
...     input_columns={"spend": "float64", "visits": "int64"}, id_column=None)
>>> model = model.fit_labels(frame)
>>> model.assign(frame)["segment"].tolist() == model.assign(frame)["segment"].tolist()
True
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from custseg.exceptions import InputError, ModelMismatchError, UnsafeModelError
from custseg.persist._skops import skops_io
from custseg.persist.guard import MODEL_FORMAT, inspect_model_file, installed_version
from custseg.persist.trust import ALLOWED_TYPE_NAMES


class SegmentationModel:
    """A fitted segmentation that scores new customers.

    Parameters
    ----------
    preprocessor : fitted transformer from raw columns to the model's matrix.
    estimator : fitted clusterer with ``predict`` (and ``predict_proba`` for mixtures).
    input_columns : ``{column: dtype}`` the preprocessor needs, in order.
    id_column : identifier column copied into the output, or None (row numbers).
    label_map : raw cluster label -> segment number (0 = largest segment).
    names : segment number -> name.
    """

    def __init__(self, preprocessor, estimator, input_columns: dict[str, str],
                 id_column: str | None = None, label_map: dict[int, int] | None = None,
                 names: dict[int, str] | None = None, metadata: dict[str, Any] | None = None):
        self.preprocessor = preprocessor
        self.estimator = estimator
        self.input_columns = dict(input_columns)
        self.id_column = id_column
        self.label_map = {int(k): int(v) for k, v in (label_map or {}).items()}
        self.names = {int(k): str(v) for k, v in (names or {}).items()}
        self.metadata = dict(metadata or {})

    def fit_labels(self, frame: pd.DataFrame) -> SegmentationModel:
        """Fit preprocessor and estimator on ``frame`` and order segments by size.

        Used when a model is assembled by hand (tutorials); ``custseg.run``
        builds the model from its own fitted parts.
        """
        X = self.preprocessor.fit_transform(frame[list(self.input_columns)])
        raw = np.asarray(self.estimator.fit_predict(X))
        self.label_map = order_by_size(raw)
        return self

    def _check_can_score(self) -> None:
        if self.metadata.get("rule_based"):
            raise InputError(
                "this model holds rule-based RFM groups, which are quintiles relative to the "
                "customers they were computed on, so it cannot score new customers",
                where="custseg assign",
                fix="rerun `custseg run LOG --algorithms rfm` on the new log, or train an ML "
                    "model (kmeans, hierarchical, gmm) to score new customers")

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """The model's feature matrix for ``frame`` (columns checked first)."""
        self.check_columns(frame)
        return np.asarray(self.preprocessor.transform(frame), dtype=float)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Segment number of every row (-1 for rows the model leaves unassigned)."""
        self._check_can_score()
        raw = np.asarray(self.estimator.predict(self.transform(frame)))
        return np.array([self.label_map.get(int(v), -1) for v in raw], dtype=int)

    def assign(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Score ``frame``: one row per input row, in input order.

        Columns: the id column (or ``row``, 1-based), ``segment``,
        ``segment_name`` and, for models that give one, ``probability``.
        """
        self._check_can_score()
        X = self.transform(frame)
        raw = np.asarray(self.estimator.predict(X))
        segments = np.array([self.label_map.get(int(v), -1) for v in raw], dtype=int)
        out = segments_frame(frame, segments, self.names, self.id_column,
                             probability=self._probability(X))
        return out

    def _probability(self, X: np.ndarray) -> np.ndarray | None:
        if not hasattr(self.estimator, "predict_proba"):
            return None
        try:
            return np.asarray(self.estimator.predict_proba(X)).max(axis=1)
        except (AttributeError, NotImplementedError):
            return None

    def check_columns(self, frame: pd.DataFrame) -> None:
        """Raise :class:`ModelMismatchError` when ``frame`` lacks the trained columns."""
        missing = [c for c in self.input_columns if c not in frame.columns]
        if missing:
            shown = ", ".join(repr(c) for c in missing[:5]) + (" ..." if len(missing) > 5 else "")
            raise ModelMismatchError(
                f"the input lacks {len(missing)} column(s) the model was trained on: {shown}",
                where="custseg assign",
                fix="score a table with the same columns as the training data "
                    f"({', '.join(list(self.input_columns)[:8])}"
                    f"{' ...' if len(self.input_columns) > 8 else ''})")
        for column, dtype in self.input_columns.items():
            trained_numeric = dtype.startswith(("int", "float", "uint"))
            series = frame[column]
            if trained_numeric and not pd.api.types.is_numeric_dtype(series) and \
                    series.notna().any():
                raise ModelMismatchError(
                    f"column {column!r} held numbers in the training data but holds "
                    f"{series.dtype} values here (e.g. {series.dropna().iloc[0]!r})",
                    where="custseg assign",
                    fix="check the column's values, or the delimiter/decimal mark (--sep, "
                        "--decimal)")


def order_by_size(raw: np.ndarray) -> dict[int, int]:
    """Map raw cluster labels to segment numbers, 0 = largest (ties: lower raw label).

    Noise (-1) stays -1.

    Example
    -------
    >>> order_by_size(np.array([3, 3, 1, 0, 0, 0, -1]))
    {0: 0, 3: 1, 1: 2, -1: -1}
    """
    from custseg.record import order_by_size as by_counts  # the one ordering rule

    values, counts = np.unique(np.where(raw < 0, -1, raw), return_counts=True)
    return by_counts(dict(zip(values.tolist(), counts.tolist(), strict=True)))


#: Column names custseg writes into segments.csv besides the id (docs/architecture.md).
SEGMENT_COLUMNS = ("row", "segment", "segment_name", "probability")


def segments_frame(frame: pd.DataFrame, segments: np.ndarray, names: dict[int, str],
                   id_column: str | None, probability: np.ndarray | None = None) -> pd.DataFrame:
    """The segments.csv table: id (or row), segment, segment_name[, probability].

    Our column names are a contract (a CRM import maps ``segment`` and
    ``segment_name``), so they never change. An id column whose name is one
    of them (compared ignoring case, as many CRM and SQL imports do:
    ``segment``, ``Segment_Name``, ``probability``, ``row``) is written as
    ``id_<name>`` instead, so the ids are never overwritten; the renaming is
    recorded in ``out.attrs["renamed_columns"]`` (``{old: new}``) and the run
    notes it in its decisions.

    Example
    -------
    >>> segments_frame(pd.DataFrame({"a": [1, 2]}), np.array([0, 1]), {0: "A", 1: "B"},
    ...                None)["segment_name"].tolist()
    ['A', 'B']
    >>> out = segments_frame(pd.DataFrame({"segment": ["c1", "c2"]}), np.array([0, 1]),
    ...                      {0: "A", 1: "B"}, "segment")
    >>> list(out.columns), out["id_segment"].tolist(), out.attrs["renamed_columns"]
    (['id_segment', 'segment', 'segment_name'], ['c1', 'c2'], {'segment': 'id_segment'})
    """
    out = pd.DataFrame(index=range(len(frame)))
    renamed: dict[str, str] = {}
    if id_column and id_column in frame.columns:
        name = str(id_column)
        if name.casefold() in SEGMENT_COLUMNS:
            renamed[name] = f"id_{name}"
            name = renamed[name]
        out[name] = frame[id_column].to_numpy()
    else:
        out["row"] = np.arange(1, len(frame) + 1)
    out["segment"] = segments.astype(int)
    lookup = {**names, -1: names.get(-1, "Unassigned")}
    out["segment_name"] = [lookup.get(int(s), f"Segment {int(s)}") for s in segments]
    if probability is not None:
        out["probability"] = np.round(np.asarray(probability, dtype=float), 4)
    out.attrs["renamed_columns"] = renamed
    return out


def save_model(model: SegmentationModel, path: str | Path) -> Path:
    """Write ``model`` to a skops file.

    Records the writing custseg version and :data:`MODEL_FORMAT` in
    ``model.metadata`` (``custseg_version``, ``model_format``), so a file from
    a newer custseg is refused with a clear message instead of misbehaving.

    Example
    -------
    >>> import tempfile, pathlib
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.cluster import KMeans
    >>> m = SegmentationModel(StandardScaler(), KMeans(2, n_init=1), {"x": "float64"})
    >>> _ = m.fit_labels(pd.DataFrame({"x": [0.0, 0.1, 5.0, 5.1]}))
    >>> p = save_model(m, pathlib.Path(tempfile.mkdtemp()) / "model.skops")
    >>> load_model(p).predict(pd.DataFrame({"x": [5.05]})).tolist() in ([0], [1])
    True
    """
    sio = skops_io()

    path = Path(path)
    model.metadata = {**model.metadata, "custseg_version": installed_version(),
                      "model_format": MODEL_FORMAT}
    sio.dump(model, path)
    return path


def write_model_file(model: SegmentationModel, path: str | Path) -> dict:
    """:func:`save_model`, then the same bytes for the same model (zip times fixed);
    returns the model's metadata as written (the fit helper process calls this on
    its own copy of the model, see :func:`custseg.outputs.write_outputs`).

    >>> import tempfile, pathlib
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.cluster import KMeans
    >>> m = SegmentationModel(StandardScaler(), KMeans(2, n_init=1), {"x": "float64"})
    >>> _ = m.fit_labels(pd.DataFrame({"x": [0.0, 0.1, 5.0, 5.1]}))
    >>> meta = write_model_file(m, pathlib.Path(tempfile.mkdtemp()) / "model.skops")
    >>> sorted(meta)
    ['custseg_version', 'model_format']
    """
    from custseg.reproducible import make_skops_reproducible

    save_model(model, path)
    make_skops_reproducible(path)
    return model.metadata


def load_model(path: str | Path) -> SegmentationModel:
    """Load a model written by :func:`save_model`, refusing anything custseg does not write.

    Every check runs before skops constructs a single object: size and zip
    limits, array headers, JSON depth, the exact type allow-list (functions
    refused) and the version (see :mod:`custseg.persist.guard`). Raises
    :class:`UnsafeModelError` or :class:`InputError` (exit code 2 on the
    command line).

    Example
    -------
    >>> import tempfile, pathlib
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "model.skops"
    >>> _ = bad.write_text("not a model")
    >>> load_model(bad)
    Traceback (most recent call last):
    ...
    custseg.exceptions.InputError: not a custseg model file (not a skops zip archive) ...
    """
    sio = skops_io()

    path = Path(path)
    if not path.is_file():
        raise InputError("model file not found", where=str(path),
                         fix="pass the model.skops written by `custseg run`")
    inspect_model_file(path)
    try:
        # skops' own report, as a second opinion: every name must be on custseg's list
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as err:  # skops raises zipfile/json/type errors on damaged files
        raise InputError(f"not a custseg model file ({type(err).__name__})", where=str(path),
                         fix="pass the model.skops written by `custseg run`") from None
    refused = [t for t in untrusted if t not in ALLOWED_TYPE_NAMES]
    if refused:
        raise UnsafeModelError(
            f"the model file holds types custseg never writes: {', '.join(refused[:5])}",
            where=str(path), fix="only load model files written by custseg")
    try:
        model = sio.load(path, trusted=untrusted)
    except Exception as err:  # a file that passed every check but does not rebuild
        raise InputError(f"the model file could not be rebuilt ({type(err).__name__}: "
                         f"{str(err)[:200]})", where=str(path),
                         fix="retrain the model with `custseg run`") from None
    if not isinstance(model, SegmentationModel):
        raise InputError(f"the file holds a {type(model).__name__}, not a custseg model",
                         where=str(path), fix="pass the model.skops written by `custseg run`")
    return model


def versions() -> dict[str, str]:
    """Versions of custseg and the libraries that decide its results."""
    out = {}
    for name in ("custseg", "numpy", "pandas", "scikit-learn", "scipy", "duckdb", "skops"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out
