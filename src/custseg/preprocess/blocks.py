"""The fitted blocks of a :class:`~custseg.preprocess.CustomerPreprocessor`, typed.

A block is the fitted transformer of one input column (of a latitude/longitude
pair for geography) and what the distances need to know about it: its output
width, its weight and why that weight. There is one frozen dataclass per kind
of block; every field is typed, so a misspelt key is an ``AttributeError`` at
the line that reads it, not a silent ``None``.

Why the preprocessor stores plain dicts and hands out these classes
-------------------------------------------------------------------
A fitted preprocessor is saved inside ``model.skops``, which is untrusted input:
:mod:`custseg.persist.trust` lists every type a model file may hold, and
anything else is refused before skops builds it. The saved attribute
``CustomerPreprocessor.blocks_`` therefore stays what it always was - a list of
plain dicts of ``str``/``float``/``int``/``list`` plus the transformers already
on the allow-list - and :meth:`CustomerPreprocessor.blocks` builds these
dataclasses from it on demand (:func:`block_from_state`). So

- no new class reaches a model file and the allow-list does not grow;
- model files saved before these classes existed load and score unchanged
  (their dicts have exactly these keys), and a model file stays byte-identical;
- renaming a field here never breaks a saved model: only
  :meth:`Block.to_state` and :func:`block_from_state` know the saved keys.

Example
-------
>>> from sklearn.preprocessing import StandardScaler
>>> block = NumericBlock(name="age", columns=("age",), group="demographics", weight=1.0,
...                      transformer=StandardScaler(), n_out=1)
>>> block.kind, block.column, block.is_categorical
('numeric', 'age', False)
>>> block_from_state(block.to_state()) == block
True
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from custseg.exceptions import ModelMismatchError

#: Block kinds whose input is category text (one column each).
CATEGORICAL_KINDS = ("category", "codes", "frequency")


@dataclass(frozen=True, kw_only=True)
class Block:
    """One fitted block: input columns -> ``n_out`` output columns, with a weight.

    Attributes
    ----------
    name : the columns joined by ``+`` (how reasons refer to the block).
    columns : the input columns, in the order the transformer reads them.
    group : the feature group of the first column (demographics, purchase...).
    weight : its weight in the distances (the output columns are multiplied
        by its square root, except category codes).
    transformer : the fitted scikit-learn transformer.
    n_out : how many output columns it writes.
    weight_reason : why the relevance screen lowered the weight, if it did.
    shares_weight_with : blocks that describe the same thing and share one
        feature's weight with it (a city and its coordinates).
    """

    kind: ClassVar[str] = ""
    name: str
    columns: tuple[str, ...]
    group: str
    weight: float
    transformer: Any
    n_out: int
    weight_reason: str | None = None
    shares_weight_with: tuple[str, ...] = ()

    @property
    def column(self) -> str:
        """The first (for every kind but geography, the only) input column."""
        return self.columns[0]

    @property
    def is_categorical(self) -> bool:
        """True when the block reads its column as category text."""
        return self.kind in CATEGORICAL_KINDS

    def to_state(self) -> dict[str, Any]:
        """The plain dict saved in ``CustomerPreprocessor.blocks_`` (and in model.skops).

        The keys and their order are those model files always held; the two
        optional ones are written only when set.
        """
        state: dict[str, Any] = {
            "name": self.name, "columns": list(self.columns), "kind": self.kind,
            "group": self.group, "date_format": getattr(self, "date_format", None),
            "weight": self.weight, "transformer": self.transformer, "n_out": self.n_out}
        if self.shares_weight_with:
            state["shares_weight_with"] = list(self.shares_weight_with)
        if self.weight_reason is not None:
            state["weight_reason"] = self.weight_reason
        return state

    def as_kind(self, kind: str, transformer: Any, n_out: int) -> Block:
        """The same columns and weight as another kind of block (a new transformer)."""
        return block_from_state({**self.to_state(), "kind": kind, "transformer": transformer,
                                 "n_out": n_out})

    def reweighted(self, weight: float, **changes: Any) -> Block:
        """A copy with another weight (and optionally its reason)."""
        return replace(self, weight=float(weight), **changes)


def _plain_kind(name: str, kind: str, doc: str) -> type[Block]:
    """A block class that adds nothing to :class:`Block` but its kind."""
    namespace = {"kind": kind, "__doc__": doc, "__module__": __name__, "__qualname__": name}
    return dataclass(frozen=True, kw_only=True)(type(name, (Block,), namespace))


NumericBlock = _plain_kind("NumericBlock", "numeric",
                           "A number: impute -> reduce skew -> clip -> standardise.")
CategoryBlock = _plain_kind("CategoryBlock", "category", "A category one-hot encoded "
                            "(weighted as one column, or with FAMD weights).")
CodesBlock = _plain_kind("CodesBlock", "codes",
                         "A category kept as integer codes for k-prototypes (never weighted).")
FrequencyBlock = _plain_kind("FrequencyBlock", "frequency", "A category with too many "
                             "levels: each level's share of customers, standardised.")


@dataclass(frozen=True, kw_only=True)
class DateBlock(Block):
    """A date as days before a reference date, then the numeric steps."""

    kind: ClassVar[str] = "date"
    #: the strftime format the column was read with (None: parsed without one)
    date_format: str | None = None


@dataclass(frozen=True, kw_only=True)
class GeoBlock(Block):
    """Latitude and longitude as a point on the unit sphere (x, y, z)."""

    kind: ClassVar[str] = "geo"

    @property
    def latitude(self) -> str:
        """The latitude column (the plan puts it first)."""
        return self.columns[0]

    @property
    def longitude(self) -> str:
        """The longitude column."""
        return self.columns[1]


#: kind -> its class (the kinds a saved model may hold).
BLOCK_TYPES: dict[str, type[Block]] = {cls.kind: cls for cls in (
    NumericBlock, DateBlock, CategoryBlock, CodesBlock, FrequencyBlock, GeoBlock)}


def make_block(kind: str, **fields: Any) -> Block:
    """A block of this kind (``date_format`` is dropped for every kind but dates).

    Example
    -------
    >>> make_block("geo", name="lat+lon", columns=("lat", "lon"), group="geography",
    ...            weight=1.0, transformer=None, n_out=3, date_format=None).longitude
    'lon'
    """
    cls = BLOCK_TYPES.get(kind)
    if cls is None:
        raise ModelMismatchError(
            f"the preprocessing holds a block of unknown kind {kind!r} (known: "
            f"{', '.join(BLOCK_TYPES)})", where="fitted preprocessor",
            fix="fit the model again with this version of custseg")
    if cls is not DateBlock:
        fields.pop("date_format", None)
    return cls(**fields)


def block_from_state(state: dict[str, Any]) -> Block:
    """The typed block of one saved dict (``blocks_`` entry, also of older model files).

    Example
    -------
    >>> block_from_state({"name": "d", "columns": ["d"], "kind": "date", "group": "other",
    ...                   "date_format": "%d/%m/%Y", "weight": 1.0, "transformer": None,
    ...                   "n_out": 1}).date_format
    '%d/%m/%Y'
    """
    return make_block(
        str(state["kind"]), name=str(state["name"]),
        columns=tuple(str(c) for c in state["columns"]), group=state.get("group"),
        weight=float(state["weight"]), transformer=state["transformer"],
        n_out=int(state["n_out"]), date_format=state.get("date_format"),
        weight_reason=state.get("weight_reason"),
        shares_weight_with=tuple(state.get("shares_weight_with") or ()))
