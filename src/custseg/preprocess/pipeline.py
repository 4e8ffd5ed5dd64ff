"""The automatic preprocessing of a customer table, one recorded decision per column.

:func:`build_preprocessor` turns a :class:`~custseg.data.Schema` and
:class:`PreprocessOptions` into an unfitted :class:`CustomerPreprocessor`.
Fitting it decides, for every column, whether it becomes a feature and how
(impute, reduce skew, clip, scale, encode), drops constants, mostly-empty
columns, near-duplicates and columns without segment structure, chooses how
to combine categories with numbers, and optionally projects with PCA. Every
decision is kept in ``decisions_`` with a plain-language reason.

Example
-------
>>> from custseg.data import infer_schema
>>> from custseg.datasets import make_customers
>>> frame = make_customers(300, k=3, seed=0)
>>> options = PreprocessOptions(select_features=False)  # the fast path for this example
>>> prep = build_preprocessor(infer_schema(frame), options).fit(frame)
>>> X = prep.transform(frame)
>>> X.shape[0], X.dtype, prep.method_
(300, dtype('float64'), 'onehot')
>>> "personal data" in prep.features_dropped_["email"]
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from custseg._json import to_jsonable as _jsonable
from custseg.data.schema import FEATURE_ROLES, Schema, infer_schema, parse_dates
from custseg.exceptions import ConfigError, InputError, ModelMismatchError
from custseg.preprocess.blocks import Block, block_from_state, make_block
from custseg.preprocess.dates import DateDurationEncoder
from custseg.preprocess.encode import CategoryCodeEncoder, FrequencyEncoder, WeightedOneHotEncoder
from custseg.preprocess.explain import (
    block_treatment,
)
from custseg.preprocess.geo import GeoEncoder
from custseg.preprocess.numeric import MissingImputer, SkewTransformer, Winsorizer
from custseg.preprocess.options import PreprocessOptions
from custseg.preprocess.plan import ColumnPlan, plan_columns, stats_from_pandas
from custseg.preprocess.relevance import (
    BEHAVIOURAL_CORE,
    LOW_RELEVANCE_WEIGHT,
    correlation_ratio,
    near_duplicates,
    relevance_plan,
    segment_structure_scores,
)

_RECENCY_WORDS = ("last", "latest", "recent", "previous")


def build_preprocessor(schema: Schema | None = None,
                       options: PreprocessOptions | None = None) -> CustomerPreprocessor:
    """An unfitted :class:`CustomerPreprocessor` for a table with this schema.

    Example
    -------
    >>> import pandas as pd
    >>> from custseg.data import infer_schema
    >>> frame = pd.DataFrame({"spend": [1.0, 2.0, 30.0, 4.0] * 10, "web": ["y", "n"] * 20})
    >>> prep = build_preprocessor(infer_schema(frame), PreprocessOptions(select_features=False))
    >>> prep.fit(frame).features_used_
    ['spend', 'web']
    """
    options = options or PreprocessOptions()
    options.validate()
    params = options.to_params()
    if schema is None:
        return CustomerPreprocessor(**params)
    return CustomerPreprocessor(
        roles={c.name: c.role for c in schema},
        date_formats={c.name: c.date_format for c in schema if c.date_format},
        groups={c.name: c.group for c in schema},
        role_reasons={c.name: c.reason for c in schema},
        **params)


class CustomerPreprocessor(TransformerMixin, BaseEstimator):
    """Raw customer table in, clustering-ready float matrix out.

    Parameters
    ----------
    roles : column -> role (from :func:`custseg.data.infer_schema`); None
        infers the schema when fitting.
    date_formats, groups, role_reasons : from the schema (None: inferred).
    weights, pca, keep, exclude, as_of, mixed, select_features, random_state,
    max_missing_share, missing_indicator_share, skew_threshold,
    winsor_quantiles, rare_level_share, max_levels, near_constant_share,
    correlation_threshold, relevance_threshold, sample_size :
        see :class:`~custseg.preprocess.PreprocessOptions`.
    date_as_of : reference date per date column, used where ``as_of`` is None
        (the Spark engine passes the latest date of the whole table, since it
        fits on a sample).

    Attributes
    ----------
    decisions_ : one dict per input column (column, role, group, kept,
        treatment, reason, stats).
    features_used_ : input columns that became features, in table order.
    features_dropped_ : column -> reason, for every other column.
    feature_groups_ : column -> feature group, for the columns considered.
    method_, method_reason_ : "onehot", "kprototypes" or "famd", and why.
    categorical_indices_ : output columns holding category codes (kprototypes).
    pca_ : None, or dict(n_components, explained_variance_ratio, reason).
    blocks_ : the fitted blocks in output order, as plain dicts: the form saved in
        model.skops (no type beyond the allow-list of ``persist/trust.py``). Read
        them typed with :meth:`blocks`.

    Example
    -------
    >>> from custseg.datasets import make_customers
    >>> frame = make_customers(300, k=3, seed=1)
    >>> prep = CustomerPreprocessor(select_features=False, pca="off").fit(frame)
    >>> prep.get_feature_names_out()[:3].tolist()
    ['age', 'gender=female', 'gender=male']
    """

    def __init__(self, roles: dict | None = None, date_formats: dict | None = None,
                 groups: dict | None = None, role_reasons: dict | None = None, *,
                 weights: dict | None = None, pca="auto", keep=(), exclude=(), as_of=None,
                 mixed: str = "auto", select_features: bool = True, random_state=0,
                 max_missing_share: float = 0.6, missing_indicator_share: float = 0.1,
                 skew_threshold: float = 1.0, winsor_quantiles=(0.005, 0.995),
                 rare_level_share: float = 0.01, max_levels: int = 30,
                 near_constant_share: float = 0.99, correlation_threshold: float = 0.95,
                 relevance_threshold: float = 0.05, sample_size: int = 5000,
                 date_as_of: dict | None = None):
        self.roles = roles
        self.date_formats = date_formats
        self.groups = groups
        self.role_reasons = role_reasons
        self.weights = weights
        self.pca = pca
        self.keep = keep
        self.exclude = exclude
        self.as_of = as_of
        self.mixed = mixed
        self.select_features = select_features
        self.random_state = random_state
        self.max_missing_share = max_missing_share
        self.missing_indicator_share = missing_indicator_share
        self.skew_threshold = skew_threshold
        self.winsor_quantiles = winsor_quantiles
        self.rare_level_share = rare_level_share
        self.max_levels = max_levels
        self.near_constant_share = near_constant_share
        self.correlation_threshold = correlation_threshold
        self.relevance_threshold = relevance_threshold
        self.sample_size = sample_size
        self.date_as_of = date_as_of

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None):
        """Decide and fit every step on the customer table ``X`` (a DataFrame)."""
        return self.fit_planned(X, None)

    def fit_planned(self, X, column_plans: list[ColumnPlan] | None):
        """Fit with the column treatments already planned (None: plan them from ``X``).

        The Spark engine plans from its own statistics of the whole table and
        fits the blocks, the feature selection and PCA on its row sample.

        Example
        -------
        >>> from custseg.datasets import make_customers
        >>> frame = make_customers(300, k=3, seed=0)
        >>> prep = CustomerPreprocessor(select_features=False)
        >>> plans = plan_columns(stats_from_pandas(frame, prep._schema(frame)[0]),
        ...                      prep._options())
        >>> prep.fit_planned(frame, plans).features_used_ == prep.fit(frame).features_used_
        True
        """
        frame = _check_frame(X, "CustomerPreprocessor.fit")
        opts = self._options()
        rng = check_random_state(self.random_state)
        roles, formats, groups, reasons = self._schema(frame)
        self.feature_names_in_ = np.asarray([str(c) for c in frame.columns], dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        keep, exclude = set(opts.keep), set(opts.exclude)
        self._check_named(frame, keep | exclude | set(self._column_weights(frame)))

        if column_plans is None:
            stats = stats_from_pandas(frame, roles, groups, reasons,
                                      columns=[c for c in map(str, frame.columns)
                                               if roles.get(c) in FEATURE_ROLES or c in keep])
            column_plans = plan_columns(stats, opts)
        decisions, candidates = _decisions_of(column_plans)
        if not candidates:
            raise InputError(
                "no column can be used as a feature: "
                + "; ".join(f"{c}: {d['reason']}" for c, d in list(decisions.items())[:5])
                + ("; ..." if len(decisions) > 5 else ""),
                where="preprocessing", fix="check the column roles (override them with "
                "--numeric/--categorical or the config) or --keep a column")
        self._fit_blocks(frame, candidates, formats, opts)
        if opts.select_features and self.blocks_:
            self._select(frame, decisions, keep, opts, rng)
        self._choose_method(frame, opts, formats)
        self._finish_layout(frame, decisions, opts, rng)
        for dec in decisions.values():
            dec.pop("kind", None)
            dec.pop("partner", None)
        self.decisions_ = [decisions[str(c)] for c in frame.columns]
        self.features_used_ = [d["column"] for d in self.decisions_ if d["kept"]]
        self.features_dropped_ = {d["column"]: d["reason"] for d in self.decisions_
                                  if not d["kept"]}
        self.feature_groups_ = {d["column"]: d["group"] for d in self.decisions_
                                if d["role"] in FEATURE_ROLES or d["kept"]}
        return self

    def _options(self) -> PreprocessOptions:
        return PreprocessOptions(
            weights=dict(self.weights or {}), pca=self.pca, keep=list(self.keep or ()),
            exclude=list(self.exclude or ()), as_of=self.as_of, mixed=self.mixed,
            select_features=self.select_features, random_state=self.random_state,
            max_missing_share=self.max_missing_share,
            missing_indicator_share=self.missing_indicator_share,
            skew_threshold=self.skew_threshold, winsor_quantiles=tuple(self.winsor_quantiles),
            rare_level_share=self.rare_level_share, max_levels=self.max_levels,
            near_constant_share=self.near_constant_share,
            correlation_threshold=self.correlation_threshold,
            relevance_threshold=self.relevance_threshold, sample_size=self.sample_size)

    def _schema(self, frame: pd.DataFrame):
        if self.roles is None:
            schema = infer_schema(frame)
            return ({c.name: c.role for c in schema},
                    {c.name: c.date_format for c in schema if c.date_format},
                    {c.name: c.group for c in schema}, {c.name: c.reason for c in schema})
        return (dict(self.roles), dict(self.date_formats or {}), dict(self.groups or {}),
                dict(self.role_reasons or {}))

    def _check_named(self, frame: pd.DataFrame, named: set[str]) -> None:
        groups = {"demographics", "purchase", "geography", "online", "other"}
        unknown = sorted(n for n in named if n not in frame.columns and n not in groups)
        if unknown:
            raise ConfigError(
                f"column(s) {', '.join(map(repr, unknown))} named in --keep/--exclude/--weight "
                "do not exist", where="preprocessing options",
                fix=f"use column names of the table ({', '.join(map(str, frame.columns[:10]))}"
                    f"{', ...' if frame.shape[1] > 10 else ''}) or a feature group "
                    "(demographics, purchase, geography, online, other)")

    def _column_weights(self, frame: pd.DataFrame) -> dict[str, float]:
        return {k: v for k, v in (self.weights or {}).items()}

    def _weight(self, col: str, group: str) -> float:
        weights = self.weights or {}
        if col in weights:
            return float(weights[col])
        return float(weights.get(group, 1.0))

    # ------------------------------------------------------------ blocks
    def blocks(self) -> tuple[Block, ...]:
        """The fitted blocks, typed (:mod:`custseg.preprocess.blocks`), in output order.

        Built from the plain ``blocks_`` on each call, so the saved model holds
        no type of its own (older model files included).

        Example
        -------
        >>> from custseg.datasets import make_customers
        >>> prep = CustomerPreprocessor(select_features=False, pca="off").fit(
        ...     make_customers(300, k=3, seed=1))
        >>> [(b.kind, b.n_out) for b in prep.blocks()][:2]
        [('numeric', 1), ('category', 3)]
        """
        check_is_fitted(self, "blocks_")
        return tuple(block_from_state(state) for state in self.blocks_)

    def _set_blocks(self, blocks: Sequence[Block]) -> None:
        """Store the blocks in their saved, plain form (the one writer of ``blocks_``)."""
        self.blocks_ = [block.to_state() for block in blocks]

    def _fit_blocks(self, frame, candidates, formats, opts) -> None:
        by_name = {d["column"]: d for d in candidates}
        blocks = []
        paired = set()
        for d in candidates:
            if d["column"] in paired:
                continue
            if d["kind"] == "geo":  # the plan paired it: latitude first
                partner = by_name[d["partner"]]
                paired.add(partner["column"])
                pair = [d, partner] if d["role"] == "latitude" else [partner, d]
                blocks.append(self._new_block(frame, pair, "geo", formats, opts))
            else:
                blocks.append(self._new_block(frame, [d], d["kind"], formats, opts))
        self._set_blocks(blocks)

    def _new_block(self, frame, decs, kind, formats, opts) -> Block:
        """The block of these decisions' columns, its transformer fitted on ``frame``."""
        cols = tuple(d["column"] for d in decs)
        group = decs[0]["group"]
        block = make_block(kind, name="+".join(cols), columns=cols, group=group,
                           date_format=formats.get(cols[0]) if kind == "date" else None,
                           weight=self._weight(cols[0], group),
                           transformer=self._make_transformer(kind, opts, column=cols[0]),
                           n_out=0)
        return self._fitted(frame, block, block.transformer)

    def _fitted(self, frame, block: Block, transformer) -> Block:
        """``block`` with ``transformer`` fitted on its columns of ``frame``."""
        transformer.fit(self._raw(frame, block))
        n_out = len(transformer.get_feature_names_out(list(block.columns)))
        return replace(block, transformer=transformer, n_out=n_out)

    def _make_transformer(self, kind: str, opts: PreprocessOptions, weighting: str = "block",
                          column: str | None = None):
        numeric_steps = [
            ("impute", MissingImputer(indicator_share=opts.missing_indicator_share)),
            ("skew", SkewTransformer(threshold=opts.skew_threshold)),
            ("clip", Winsorizer(quantiles=tuple(opts.winsor_quantiles))),
            ("scale", StandardScaler()),
        ]
        if kind == "numeric":
            return Pipeline(numeric_steps)
        if kind == "date":
            as_of = opts.as_of.isoformat() if hasattr(opts.as_of, "isoformat") else opts.as_of
            if as_of is None:
                as_of = (self.date_as_of or {}).get(column)
            return Pipeline([("days", DateDurationEncoder(as_of=as_of)), *numeric_steps])
        if kind == "category":
            return WeightedOneHotEncoder(rare_share=opts.rare_level_share, weighting=weighting)
        if kind == "codes":
            return CategoryCodeEncoder(rare_share=opts.rare_level_share)
        if kind == "frequency":
            return Pipeline([("frequency", FrequencyEncoder()), ("scale", StandardScaler())])
        if kind == "geo":
            return GeoEncoder()
        raise ValueError(f"unknown block kind {kind!r}")

    def _raw(self, frame: pd.DataFrame, block: Block) -> np.ndarray:
        kind, cols = block.kind, block.columns
        if block.is_categorical:
            return _category_text(frame[cols[0]]).reshape(-1, 1)
        if kind == "date":
            parsed = parse_dates(frame[cols[0]], block.date_format)
            parsed = pd.to_datetime(parsed, errors="coerce")
            if getattr(parsed.dt, "tz", None) is not None:
                parsed = parsed.dt.tz_localize(None)
            days = (parsed - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
            return days.to_numpy(dtype=np.float64, na_value=np.nan).reshape(-1, 1)
        return np.column_stack([_numbers(frame[c]) for c in cols])

    # --------------------------------------------------------- selection
    def _sample_matrix(self, frame, blocks, rng, size) -> tuple[np.ndarray, list]:
        rows = np.sort(rng.choice(len(frame), size=min(size, len(frame)), replace=False))
        sub = frame.iloc[rows]
        parts, slices, start = [], [], 0
        for block in blocks:
            part = block.transformer.transform(self._raw(sub, block))
            parts.append(part)
            slices.append((start, start + part.shape[1]))
            start += part.shape[1]
        return np.hstack(parts), slices

    def _select(self, frame, decisions, keep, opts, rng) -> None:
        blocks = list(self.blocks())
        Z, slices = self._sample_matrix(frame, blocks, rng, max(opts.sample_size, 1000))
        # near-duplicates among one-value blocks (numbers, dates, binaries, frequencies)
        single = [i for i, b in enumerate(blocks) if b.kind != "geo"
                  and (b.kind != "category" or b.n_out == 1)]
        V = Z[:, [slices[i][0] for i in single]]
        dropped: set[int] = set()
        for a, b, r in near_duplicates(V, opts.correlation_threshold):
            i, j = single[a], single[b]
            if i in dropped or j in dropped:
                continue
            loser, winner, why = self._duplicate_loser(blocks[i], blocks[j], decisions, keep)
            if loser is None:
                continue
            lose_idx = i if loser is blocks[i] else j
            dropped.add(lose_idx)
            decisions[loser.column]["reason"] = (
                f"near-duplicate: |r|={abs(r):.2f} with {winner.name}: kept "
                f"{winner.name} because {why}")
            decisions[loser.column]["stats"]["correlation_with_kept"] = r
        blocks = self._share_measurements(blocks, Z, slices, dropped, decisions, opts)
        keep_idx = [i for i in range(len(blocks)) if i not in dropped]
        # segment structure on what remains
        sub_slices, start = [], 0
        cols = []
        for i in keep_idx:
            a, b = slices[i]
            cols.extend(range(a, b))
            sub_slices.append((start, start + b - a))
            start += b - a
        protected = self._protected(blocks, keep_idx, keep, decisions)
        scores = segment_structure_scores(Z[:, cols], sub_slices,
                                          threshold=opts.relevance_threshold,
                                          protected=[n for n, why in protected.items()
                                                     if "--keep" in why],
                                          random_state=rng.randint(2**31 - 1))
        for n, i in enumerate(keep_idx):
            for c in blocks[i].columns:
                decisions[c]["stats"]["relevance"] = round(float(scores[n]), 4)
        discrete = [_is_discrete(blocks[i], decisions) for i in keep_idx]
        last = {n for n, i in enumerate(keep_idx) if blocks[i].group == "demographics"}
        plan = relevance_plan(scores, threshold=opts.relevance_threshold, discrete=discrete,
                              protected=protected, last=last)
        irrelevant = set()
        for n, what in plan.items():
            block = blocks[keep_idx[n]]
            why_low = (f"score {scores[n]:.3f} (share of its variance explained by provisional "
                       f"segments; below {opts.relevance_threshold})")
            if what == "drop":
                irrelevant.add(keep_idx[n])
                for c in block.columns:
                    decisions[c]["reason"] = f"no segment structure: {why_low}"
                continue
            if not self._user_weighted(block):
                weight = block.weight * LOW_RELEVANCE_WEIGHT
                blocks[keep_idx[n]] = block.reweighted(
                    weight, weight_reason=f"weak segment structure ({why_low}), kept because "
                                          f"{what}; weighted {weight:g}")
        self._set_blocks([b for i, b in enumerate(blocks) if i not in dropped | irrelevant])
        for i in dropped | irrelevant:
            for c in blocks[i].columns:
                decisions[c]["treatment"] = "not used (" + block_treatment(
                    blocks[i], decisions, summary_only=True) + " when tested)"

    def _protected(self, blocks, keep_idx, keep, decisions) -> dict[int, str]:
        """Features the relevance screen never drops (position in keep_idx -> why)."""
        out = {}
        for n, i in enumerate(keep_idx):
            cols = blocks[i].columns
            if any(c in keep for c in cols):
                out[n] = "you asked to keep it (--keep)"
            elif any(c in BEHAVIOURAL_CORE for c in cols):
                out[n] = ("it is part of the behavioural core of a purchase log (recency, "
                          "frequency, monetary value, tenure)")
            elif any(str(d["reason"]).startswith("near-duplicate") and
                     f"with {blocks[i].name}:" in d["reason"] for d in decisions.values()):
                out[n] = "it also stands for a near-duplicate column that was dropped"
        return out

    def _user_weighted(self, block: Block) -> bool:
        weights = self.weights or {}
        return any(c in weights for c in block.columns) or block.group in weights

    def _share_measurements(self, blocks: list[Block], Z, slices, dropped, decisions,
                            opts) -> list[Block]:
        """A category and the numbers it almost fixes (a city and its coordinates) share a weight.

        Both describe the same thing, so counted separately it would weigh twice in every
        distance. Measured by the correlation ratio: the share of the numbers' variance
        explained by the category's levels. Returns the blocks with their shared weights.
        """
        blocks = list(blocks)
        live = [i for i in range(len(blocks)) if i not in dropped]
        cats = [i for i in live if blocks[i].kind == "category" and blocks[i].n_out > 1]
        nums = [i for i in live if blocks[i].kind in ("geo", "numeric", "date")]
        group = {i: {i} for i in live}
        for c in cats:
            a, b = slices[c]
            onehot = Z[:, a:b]
            levels = np.where(np.ptp(onehot, axis=1) == 0, -1, onehot.argmax(axis=1))
            for n in nums:
                eta2 = correlation_ratio(Z[:, slices[n][0]:slices[n][1]], levels)
                if eta2 < opts.correlation_threshold or group[c] is group[n]:
                    continue
                merged = group[c] | group[n]
                for i in merged:
                    group[i] = merged
                for i, j in ((c, n), (n, c)):
                    decisions[blocks[i].column]["stats"].setdefault(
                        "explained_by_level", {})[blocks[j].name] = round(eta2, 4)
        user = set(self.weights or {})
        for members in {id(g): g for g in group.values() if len(g) > 1}.values():
            named = [c for i in members for c in blocks[i].columns]
            if user & (set(named) | {blocks[i].group for i in members}):
                continue  # the user weighted them: their choice stands
            names = {i: blocks[i].name for i in members}
            for i in members:
                blocks[i] = blocks[i].reweighted(
                    blocks[i].weight / len(members),
                    shares_weight_with=tuple(names[j] for j in sorted(members) if j != i))
        return blocks

    def _duplicate_loser(self, a, b, decisions, keep):
        ca, cb = a.column, b.column
        if ca in keep and cb in keep:
            return None, None, ""
        if ca in keep:
            return b, a, "you asked to keep it (--keep)"
        if cb in keep:
            return a, b, "you asked to keep it (--keep)"
        ma, mb = decisions[ca]["stats"]["missing_share"], decisions[cb]["stats"]["missing_share"]
        if ma < mb:
            return b, a, "it has fewer missing values"
        if mb < ma:
            return a, b, "it has fewer missing values"
        return b, a, "it comes first in the table (both carry the same information)"

    # ----------------------------------------------------- mixed data, PCA
    def _choose_method(self, frame, opts, formats) -> None:
        blocks = list(self.blocks())
        cat = [i for i, b in enumerate(blocks) if b.kind == "category"]
        share = len(cat) / max(len(blocks), 1)
        pct = f"{len(cat)} of {len(blocks)} features are categorical ({share:.0%})"
        if opts.mixed != "auto":
            method = opts.mixed
            reason = f"chosen by the user (mixed={method}); {pct}"
        elif share <= 0.5:
            method = "onehot"
            reason = (f"{pct}: mostly numbers, so categories are one-hot encoded with weights "
                      "that make each categorical column count like one numeric column")
        else:
            method = "famd"
            reason = (f"{pct}: categories dominate, so the table is summarised with factor "
                      "analysis of mixed data (FAMD), a projection every algorithm can "
                      "cluster; choose mixed=kprototypes to cluster the categories directly")
        if method == "kprototypes" and not cat:
            method, reason = "onehot", f"{pct}: no categorical features, so k-prototypes " \
                                       "reduces to k-means on the numbers"
        if method != "onehot":
            kind, weighting = ("codes", "block") if method == "kprototypes" else \
                ("category", "famd")
            for i in cat:
                block = blocks[i].as_kind(kind, None, 0)
                blocks[i] = self._fitted(frame, block,
                                         self._make_transformer(kind, opts, weighting))
            self._set_blocks(blocks)
        self.method_, self.method_reason_ = method, reason

    def _finish_layout(self, frame, decisions, opts, rng) -> None:
        names, cat_idx, start = [], [], 0
        for block in self.blocks():
            block_names = block.transformer.get_feature_names_out(list(block.columns))
            names.extend(str(n) for n in block_names)
            if block.kind == "codes":
                cat_idx.extend(range(start, start + len(block_names)))
            start += len(block_names)
            for c in block.columns:
                dec = decisions[c]
                dec["kept"] = True
                dec["treatment"], dec["reason"] = block_treatment(block, decisions,
                                                                  column=c)
                if block.weight != 1.0:
                    dec["stats"]["weight"] = block.weight
        self.categorical_indices_ = cat_idx
        self.feature_names_before_pca_ = names
        self.pca_, self.pca_model_ = None, None
        self.n_features_out_ = len(names)
        self._fit_pca(frame, opts, rng)

    def _fit_pca(self, frame, opts, rng) -> None:
        p = self.n_features_out_
        method = self.method_
        if method == "kprototypes" or p < 2:
            self._pca_reason = "not used: k-prototypes needs the category codes as they are" \
                if method == "kprototypes" else "not used: fewer than two features"
            return
        Z, _ = self._sample_matrix(frame, self.blocks(), rng, max(opts.sample_size, 20_000))
        Z = Z * self._weights_vector()
        wanted = opts.pca
        with threadpool_limits(limits=1):  # a small sample: threads only add contention
            probe = PCA(random_state=0).fit(Z)
        ratio = probe.explained_variance_ratio_
        n90 = int(np.searchsorted(np.cumsum(ratio), 0.9) + 1)
        if method == "famd":
            n_comp = min(n90, p)
            reason = (f"FAMD: the principal components of the weighted numbers and dummies; "
                      f"{n_comp} components keep 90% of the information")
        elif isinstance(wanted, int):
            n_comp = min(wanted, p)
            reason = f"asked for {wanted} components (pca={wanted})"
        elif wanted == "off":
            return
        elif p >= 12 and n90 <= p / 2:
            n_comp = n90
            reason = (f"{p} columns, many of them correlated: {n_comp} components keep 90% of "
                      "the information, which makes distances less dominated by repeated "
                      "information")
        else:
            self._pca_reason = (f"not needed: {p} columns and 90% of the information needs "
                                f"{n90} components (PCA pays off only with many correlated "
                                "columns)")
            return
        n_comp = max(1, min(n_comp, Z.shape[0], p))
        with threadpool_limits(limits=1):
            model = PCA(n_components=n_comp, random_state=0).fit(Z)
        self.pca_model_ = model
        self.pca_ = {"n_components": int(n_comp),
                     "explained_variance_ratio": [round(float(v), 4)
                                                  for v in model.explained_variance_ratio_],
                     "explained_variance_total": round(float(
                         model.explained_variance_ratio_.sum()), 4),
                     "reason": reason}

    def _weights_vector(self) -> np.ndarray:
        out = []
        for block in self.blocks():
            w = np.sqrt(block.weight) if block.kind != "codes" else 1.0
            out.extend([w] * block.n_out)
        return np.asarray(out, dtype=np.float64)

    def reweighted(self, frame: pd.DataFrame, factors: dict[str, float],
                   why: str) -> CustomerPreprocessor:
        """A copy whose blocks holding these columns weigh ``factor`` times as much.

        Used when the segments turned out to be the cells of a cross-tab of a few
        discrete columns: the run is tried again with them down-weighted. The PCA
        (or FAMD) projection, if any, is refitted on the new weights; every other
        decision stays as it was, and the columns' reasons say what changed.

        Example
        -------
        >>> from custseg.datasets import make_customers
        >>> frame = make_customers(300, k=3, seed=2)
        >>> prep = CustomerPreprocessor(select_features=False, pca="off").fit(frame)
        >>> low = prep.reweighted(frame, {"age": 0.1}, "a test")
        >>> [b.weight for b in low.blocks() if b.columns == ("age",)]
        [0.1]
        """
        import copy

        check_is_fitted(self, "blocks_")
        out = copy.deepcopy(self)
        decisions = {d["column"]: d for d in out.decisions_}
        blocks = list(out.blocks())
        for i, block in enumerate(blocks):
            hit = [c for c in block.columns if c in factors]
            if not hit:
                continue
            block = blocks[i] = block.reweighted(block.weight * float(factors[hit[0]]))
            for c in block.columns:
                decisions[c]["reason"] += f"; weighted {block.weight:g} because {why}"
                decisions[c]["stats"]["weight"] = block.weight
        out._set_blocks(blocks)
        if out.pca_model_ is not None:
            out._fit_pca(frame, out._options(), check_random_state(out.random_state))
        return out

    # ------------------------------------------------------------ transform
    def transform(self, X) -> np.ndarray:
        """The preprocessed matrix (float64, one row per input row)."""
        check_is_fitted(self, "blocks_")
        frame = _check_frame(X, "CustomerPreprocessor.transform")
        blocks = self.blocks()
        needed = [c for b in blocks for c in b.columns]
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise ModelMismatchError(
                f"the new data lacks column(s) the model was fitted with: "
                f"{', '.join(map(repr, missing))}", where="input table",
                fix="add these columns (empty values are allowed and get imputed), or fit a "
                    "new model on the new table")
        out = np.empty((len(frame), self.n_features_out_), dtype=np.float64)
        start = 0
        for block in blocks:
            part = block.transformer.transform(self._raw(frame, block))
            out[:, start:start + part.shape[1]] = part
            start += part.shape[1]
        out *= self._weights_vector()
        if self.pca_model_ is not None:
            out = self.pca_model_.transform(out)
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Output column names (``pc1``... after PCA)."""
        check_is_fitted(self, "blocks_")
        if self.pca_model_ is not None:
            prefix = "famd" if self.method_ == "famd" else "pc"
            return np.asarray([f"{prefix}{i + 1}" for i in range(self.pca_["n_components"])],
                              dtype=object)
        return np.asarray(self.feature_names_before_pca_, dtype=object)

    # --------------------------------------------------------------- report
    def to_dict(self) -> dict:
        """JSON-ready summary: keys ``preprocessing``, ``features_used``, ``features_dropped``.

        Example
        -------
        >>> from custseg.datasets import make_customers
        >>> prep = CustomerPreprocessor(select_features=False).fit(make_customers(300, k=3, seed=2))
        >>> sorted(prep.to_dict())
        ['features_dropped', 'features_used', 'preprocessing']
        """
        check_is_fitted(self, "blocks_")
        pca = self.pca_ or {"n_components": None, "reason": getattr(self, "_pca_reason", "")}
        return {
            "preprocessing": {
                "method": self.method_,
                "method_reason": self.method_reason_,
                "categorical_indices": list(self.categorical_indices_),
                "pca": pca,
                "n_features_out": len(self.get_feature_names_out()),
                "feature_names_out": [str(n) for n in self.get_feature_names_out()],
                "feature_groups": dict(self.feature_groups_),
                "decisions": [_jsonable(d) for d in self.decisions_],
            },
            "features_used": list(self.features_used_),
            "features_dropped": dict(self.features_dropped_),
        }

    summary_ = to_dict

    def decisions_frame(self) -> pd.DataFrame:
        """The decisions as a table (one row per input column), for notebooks.

        Example
        -------
        >>> from custseg.datasets import make_customers
        >>> prep = CustomerPreprocessor(select_features=False).fit(make_customers(300, k=3, seed=2))
        >>> prep.decisions_frame().loc["customer_id", "kept"]
        np.False_
        """
        check_is_fitted(self, "blocks_")
        rows = [{k: v for k, v in d.items() if k != "stats"} for d in self.decisions_]
        return pd.DataFrame(rows).set_index("column")

    def trace(self, frame: pd.DataFrame, column: str, rows: int = 5) -> pd.DataFrame:
        """The first ``rows`` values of ``column`` after each step (before/after view).

        Example
        -------
        >>> from custseg.datasets import make_customers
        >>> frame = make_customers(300, k=3, seed=2)
        >>> prep = CustomerPreprocessor(select_features=False).fit(frame)
        >>> prep.trace(frame, "annual_spend", rows=2).columns.tolist()
        ['raw', 'impute', 'skew', 'clip', 'scale']
        """
        check_is_fitted(self, "blocks_")
        block = next((b for b in self.blocks() if column in b.columns), None)
        if block is None:
            raise InputError(f"column {column!r} is not a feature of this model",
                             where="CustomerPreprocessor.trace",
                             fix=f"use one of: {', '.join(self.features_used_)}")
        sub = frame.head(rows)
        data = self._raw(sub, block)
        pos = block.columns.index(column)
        table = {"raw": sub[column].to_numpy()}
        steps = block.transformer.steps if isinstance(block.transformer, Pipeline) \
            else [(block.kind, block.transformer)]
        for name, step in steps:
            data = step.transform(data)
            one_per_input = data.shape[1] == len(block.columns)
            # several output columns per input (dummies, x/y/z): show each row's vector
            table[name] = data[:, pos] if one_per_input \
                else [[round(float(v), 4) for v in row] for row in data]
        return pd.DataFrame(table)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


# ------------------------------------------------------------------ helpers
def _decisions_of(plans: list[ColumnPlan]) -> tuple[dict[str, dict], list[dict]]:
    """The decision records of the planned columns, and those that become features."""
    decisions, candidates = {}, []
    for p in plans:
        dec = {"column": p.column, "role": p.role, "group": p.group, "kept": False,
               "treatment": "not used", "reason": p.reason, "stats": dict(p.stats)}
        decisions[p.column] = dec
        if p.kind is not None:
            dec["kind"], dec["partner"] = p.kind, p.partner
            candidates.append(dec)
    return decisions, candidates


def _check_frame(X, where: str) -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame with named columns, got "
                         f"{type(X).__name__}", where=where,
                         fix="pass the customer table as loaded by custseg.load")
    if len(X) == 0:
        raise InputError("the table has no rows", where=where, fix="pass at least one row")
    return X


def _numbers(series: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(series):
        return series.astype("float64").to_numpy()
    if pd.api.types.is_numeric_dtype(series):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _category_text(series: pd.Series) -> np.ndarray:
    """Values as text levels (1 and 1.0 are the same level "1"); missing -> None."""
    missing = series.isna().to_numpy()
    if pd.api.types.is_bool_dtype(series):
        text = series.astype(str)
    elif pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        present = values[~missing]
        if present.size and np.all(np.mod(present, 1) == 0):
            text = pd.Series(np.where(missing, 0, values).astype(np.int64)).astype(str)
        else:
            text = pd.Series(values).astype(str)
    else:
        text = series.astype(str)
    out = text.to_numpy(dtype=object)
    out[missing] = None
    return out


def _is_discrete(block: Block, decisions: dict) -> bool:
    """A category, or a number with only a few values (counts such as 1-6 products)."""
    if block.is_categorical:
        return True
    if block.kind != "numeric":
        return False
    # 12 values: the "number of products" and "months inactive" style columns of the shared
    # tables have 2-11; the amounts, balances and counts of activity have dozens or more
    return all((decisions[c]["stats"].get("n_unique") or 99) <= 12 for c in block.columns)
