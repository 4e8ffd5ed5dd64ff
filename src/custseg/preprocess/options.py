"""Options of the automatic preprocessing, with the defaults and why.

Example
-------
>>> opts = PreprocessOptions(weights={"geography": 0.5}, exclude=["noise_1"])
>>> opts.mixed, opts.pca, opts.correlation_threshold
('auto', 'auto', 0.95)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from custseg.constants import MIXED_METHODS
from custseg.exceptions import ConfigError

GROUPS = ("demographics", "purchase", "geography", "online", "other")


@dataclass
class PreprocessOptions:
    """Every choice of :class:`~custseg.preprocess.CustomerPreprocessor`.

    Attributes
    ----------
    weights : importance per feature group ("demographics", "purchase",
        "geography", "online", "other") or per column name; a column's weight
        wins over its group's. A weight ``w`` multiplies the column's share of
        the squared distance by ``w`` (its values by ``sqrt(w)``); 0 drops it.
        CLI: ``--weight geography=0.5``.
    pca : "auto" (project when many correlated features remain), "off", or a
        number of components.
    keep : columns forced in (never dropped by feature selection).
    exclude : columns forced out.
    as_of : reference date for date columns ("days before as_of"); None uses
        the latest date seen when fitting.
    mixed : how categorical columns are combined with numbers: "auto" decides
        by the share of categorical columns; "onehot" (weighted dummies),
        "kprototypes" (integer codes for the k-prototypes clusterer) or "famd"
        (factor analysis of mixed data: a projection every algorithm can use).
    select_features : drop near-duplicates and columns without segment
        structure (constants and mostly-empty columns are always dropped).
    random_state : seed for the samples and provisional clusterings.
    max_missing_share : columns missing in more rows than this are dropped.
    missing_indicator_share : from this share of missing values on, a 0/1
        "was missing" column is added (missingness itself may be informative).
    skew_threshold : |skewness| above which a column is log1p / Yeo-Johnson
        transformed (1.0 is the usual "highly skewed" rule of thumb).
    winsor_quantiles : values outside these quantiles are clipped to them.
    rare_level_share : category levels rarer than this are pooled into "other".
    max_levels : categorical columns with more levels (after pooling) are
        frequency-encoded instead of one-hot encoded.
    near_constant_share : a column whose most common value covers at least
        this share of rows is dropped as near-constant.
    correlation_threshold : two columns with |r| above this are near
        duplicates; one is kept.
    relevance_threshold : columns whose segment-structure score (share of the
        column's variance explained by provisional segments) is below this are
        dropped as irrelevant.
    sample_size : rows used for the statistics that are not linear in n
        (correlations, relevance scores, PCA fit).
    """

    weights: dict[str, float] = field(default_factory=dict)
    pca: str | int = "auto"
    keep: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    as_of: date | str | None = None
    mixed: str = "auto"
    select_features: bool = True
    random_state: int = 0
    max_missing_share: float = 0.6
    missing_indicator_share: float = 0.1
    skew_threshold: float = 1.0
    winsor_quantiles: tuple[float, float] = (0.005, 0.995)
    rare_level_share: float = 0.01
    max_levels: int = 30
    near_constant_share: float = 0.99
    correlation_threshold: float = 0.95
    relevance_threshold: float = 0.05
    sample_size: int = 5000

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise :class:`ConfigError` on an impossible value.

        Example
        -------
        >>> PreprocessOptions(mixed="pca")
        Traceback (most recent call last):
        ...
        custseg.exceptions.ConfigError: unknown mixed-data method 'pca' ...
        """
        if self.mixed not in MIXED_METHODS:
            raise ConfigError(f"unknown mixed-data method {self.mixed!r}",
                              where="preprocess option mixed",
                              fix=f"use one of {', '.join(MIXED_METHODS)}")
        pca = self.pca
        if not (pca in ("auto", "off") or (isinstance(pca, int) and not isinstance(pca, bool)
                                           and pca >= 1)):
            raise ConfigError(f"pca must be 'auto', 'off' or a positive integer, got {pca!r}",
                              where="preprocess option pca", fix="e.g. pca='off' or pca=5")
        for key, value in self.weights.items():
            if not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"weight of {key!r} must be a number >= 0, got {value!r}",
                                  where="preprocess option weights (--weight)",
                                  fix="e.g. --weight geography=0.5")
        lo, hi = self.winsor_quantiles
        if not 0 <= lo < hi <= 1:
            raise ConfigError(f"winsor_quantiles must satisfy 0 <= low < high <= 1, got "
                              f"{self.winsor_quantiles!r}", where="preprocess option",
                              fix="e.g. (0.005, 0.995), or (0, 1) for no clipping")
        for name in ("max_missing_share", "missing_indicator_share", "rare_level_share",
                     "near_constant_share", "correlation_threshold", "relevance_threshold"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ConfigError(f"{name} must be between 0 and 1, got {value!r}",
                                  where=f"preprocess option {name}",
                                  fix="pass a share between 0 and 1")

    def to_params(self) -> dict:
        """Keyword arguments for :class:`CustomerPreprocessor` (plain values only).

        Example
        -------
        >>> PreprocessOptions(as_of="2024-01-31").to_params()["as_of"]
        '2024-01-31'
        """
        params = asdict(self)
        params["weights"] = dict(self.weights)
        params["keep"] = list(self.keep)
        params["exclude"] = list(self.exclude)
        params["winsor_quantiles"] = tuple(float(q) for q in self.winsor_quantiles)
        if isinstance(self.as_of, date):
            params["as_of"] = self.as_of.isoformat()
        return params
