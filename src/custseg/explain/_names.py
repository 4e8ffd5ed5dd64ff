"""Short, unique, readable segment names built from the strongest differences.

A name joins up to three phrases, one per feature whose effect size (see
:mod:`custseg.explain._profile`) is at least medium (|d| >= 0.5). Features a
marketer names first - age, income and spend - lead when their difference is
large (|d| >= 0.8); the rest follow by strength. Known column names get plain
words (``young``/``older``, ``high income``/``low income``, ``big
spenders``/``low spend``, ``lapsed``/``recent buyers``, ``frequent``/``rare
buyers``, ``online-heavy``/``offline``...), category levels read ``mostly
Paris`` or ``app users``, and other columns ``high <column>``/``low
<column>``. When recency, frequency and monetary columns exist, RFM words
replace them (``Champions``, ``Recent, high value``, ``Recent, low value``,
``At risk, high value``, ``Lost, low value``); value is the monetary column, or
the frequency one when there is none.

Duplicate names are told apart with each segment's next strongest difference,
then with the feature on which the look-alike segments differ most - never
with bare numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from custseg.exceptions import ConfigError
from custseg.explain._common import UNASSIGNED, fmt_number, fmt_share, readable, snake
from custseg.explain._profile import SegmentProfiles

MEDIUM, LARGE, SMALL = 0.5, 0.8, 0.2
MAX_PARTS = 3
UNASSIGNED_NAME = "Unassigned"

# (group, pattern on the snake_case name, phrase when higher, phrase when lower, tier)
# tier 1 leads the name when the difference is large; order matters (first match wins).
_VOCAB = (
    ("age", r"(year_?birth|birth_?year|yob)", "young", "older", 1),
    ("age", r"(^|_)age(_|$)|(^|_)age_?years", "older", "young", 1),
    ("recency", r"(recen|days_since_last|since_last|last_(purchase|order|visit|seen|active)|"
                r"inactiv|churn_days)", "lapsed", "recent buyers", 2),
    ("online", r"(web|online|session|click|page_?view|digital|internet|visit)",
     "online-heavy", "offline", 2),
    ("frequency", r"(frequen|orders|n_purchases|num_purchases|purchase_count|transactions|"
                  r"trx|order_count|(^|_)visits)", "frequent", "rare buyers", 2),
    ("monetary", r"(spend|monetary|revenue|sales|amount|^mnt|purchases$|(^|_)value)",
     "big spenders", "low spend", 1),
    ("income", r"(income|salary|earning|wage)", "high income", "low income", 1),
    ("tenure", r"(tenure|signup|sign_up|joined|customer_since|since|created|first_purchase|"
               r"dt_customer|registration)", "long-standing", "new customers", 2),
    ("mobile", r"(mobile|(^|_)app(_|$))", "mobile-first", "rarely on mobile", 2),
    ("email", r"(email|newsletter|open_rate)", "email-engaged", "ignore e-mails", 2),
    ("kids", r"(kid|child|teen)", "with children", "few children", 2),
    ("deals", r"(deal|discount|coupon|promo)", "deal seekers", "few deals", 2),
    ("store", r"store", "store shoppers", "rarely in store", 2),
    ("catalog", r"catalog", "catalogue buyers", "rarely by catalogue", 2),
    ("balance", r"balance", "high balance", "low balance", 2),
    ("credit", r"credit_?limit", "high credit limit", "low credit limit", 2),
    ("latitude", r"(^|_)lat(itude)?(_|$)", "northern", "southern", 3),
    ("longitude", r"(^|_)(lon|lng|long|longitude)(_|$)", "eastern", "western", 3),
)
_USERS = re.compile(r"(channel|device|platform|browser|(^|_)os(_|$)|payment|source|app)")
_RFM = ("recency", "frequency", "monetary")


@dataclass
class _Phrase:
    text: str
    group: str
    effect: float
    tier: int


def name_segments(profiles: SegmentProfiles, *, overrides: dict | None = None
                  ) -> dict[int, dict]:
    """Give each segment a short unique ``name`` and a one-sentence ``description``.

    Parameters
    ----------
    profiles : the result of :func:`custseg.explain.profile`.
    overrides : ``{segment: name}`` (the config's ``[names]``); these win.

    Example
    -------
    >>> import pandas as pd
    >>> from custseg.explain import profile
    >>> frame = pd.DataFrame({"age": [22, 24, 23, 25, 60, 62, 61, 63],
    ...                       "income": [20.0, 22, 21, 23, 90, 95, 92, 94]})
    >>> prof = profile(frame, [0, 0, 0, 0, 1, 1, 1, 1], features=["age", "income"])
    >>> {s: v["name"] for s, v in name_segments(prof).items()}
    {0: 'Young, low income', 1: 'Older, high income'}
    >>> name_segments(prof, overrides={"1": "Affluent seniors"})[1]["name"]
    'Affluent seniors'
    """
    fixed = _check_overrides(overrides, profiles.segment_ids)
    ids = [s for s in profiles.segment_ids if s != UNASSIGNED]
    candidates = {s: _candidates(profiles, s) for s in ids}
    parts = {s: _base(candidates[s]) for s in ids}
    taken = {v.lower() for v in fixed.values()} | {UNASSIGNED_NAME.lower()}
    names = _unique(profiles, ids, candidates, parts, taken=taken)
    out = {}
    for s in profiles.segment_ids:
        if s == UNASSIGNED:
            size, share = profiles.sizes[s], profiles.shares[s]
            desc = (f"{size:,} customers ({fmt_share(share)}) that could not be assigned to a "
                    "segment.")
            out[s] = {"name": fixed.get(s, UNASSIGNED_NAME), "description": desc}
            continue
        out[s] = {"name": fixed.get(s, names[s]), "description": _describe(profiles, s)}
    return out


def _check_overrides(overrides, ids) -> dict[int, str]:
    fixed: dict[int, str] = {}
    for key, value in (overrides or {}).items():
        try:
            seg = int(key)
        except (TypeError, ValueError):
            raise ConfigError(f"segment id {key!r} in [names] is not a number",
                              where="config [names]",
                              fix="use segment numbers as keys, e.g. 0 = \"Champions\"") from None
        if seg not in ids:
            raise ConfigError(f"segment {seg} in [names] does not exist", where="config [names]",
                              fix=f"use one of the segment ids: {', '.join(map(str, ids))}")
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"name for segment {seg} must be non-empty text, got {value!r}",
                              where="config [names]", fix="give a short name in quotes")
        fixed[seg] = value.strip()
    seen: dict[str, int] = {}
    for seg, name in fixed.items():
        if name.lower() in seen:
            first = seen[name.lower()]
            raise ConfigError(f"segments {first} and {seg} are both named {fixed[first]!r}",
                              where="config [names]", fix="give every segment its own name")
        seen[name.lower()] = seg
    return fixed


def _phrase_for(profiles: SegmentProfiles, rec: dict) -> _Phrase | None:
    d = float(rec["effect_size"])
    up = d > 0
    feature = rec["feature"]
    key = snake(feature)
    if rec["kind"] == "categorical":
        if not up:
            return None  # "less Paris" says little; the levels that are over-represented do
        level = str(rec["level"])
        if re.fullmatch(r"-?\d+(\.\d+)?", level):
            level = f"{readable(feature)} {level}"
        text = f"{level} users" if _USERS.search(key) else f"mostly {level}"
        return _Phrase(text, f"cat:{feature}", d, 3)
    for group, pattern, high, low, tier in _VOCAB:
        if re.search(pattern, key):
            if rec["kind"] == "datetime" and group not in ("tenure", "recency"):
                break
            return _Phrase(high if up else low, group, d, tier)
    words = readable(feature)
    if rec["kind"] == "datetime":  # days before the latest date: higher = earlier
        return _Phrase(f"earlier {words}" if up else f"later {words}", feature, d, 3)
    if rec["kind"] == "binary":
        return _Phrase(f"often {words}" if up else f"rarely {words}", feature, d, 3)
    return _Phrase(f"high {words}" if up else f"low {words}", feature, d, 3)


def _group(feature: str) -> str | None:
    key = snake(feature)
    return next((g for g, pattern, *_ in _VOCAB if re.search(pattern, key)), None)


def _candidates(profiles: SegmentProfiles, s: int) -> list[_Phrase]:
    """Phrases of a segment, best first; the first few make the name."""
    phrases: list[_Phrase] = []
    seen = set()
    for rec in profiles.top_features(s, None):
        if abs(rec["effect_size"]) < SMALL:
            break
        ph = _phrase_for(profiles, rec)
        if ph is None or ph.text in seen or ph.group in {p.group for p in phrases}:
            continue
        seen.add(ph.text)
        phrases.append(ph)
    groups = {_group(f) for f in profiles.kinds}
    phrases = _rfm(phrases, "monetary" in groups or bool(profiles.monetary))

    def key(p: _Phrase):
        # large differences first, the marketer's own words (tiers) first among them
        band = 0 if abs(p.effect) >= LARGE else (1 if abs(p.effect) >= MEDIUM else 2)
        return band, p.tier if band == 0 else 0, -abs(p.effect)

    return sorted(phrases, key=key)


def _rfm(phrases: list[_Phrase], has_monetary: bool) -> list[_Phrase]:
    """Replace recency/frequency/monetary phrases with RFM wording where it fits.

    Needs a clear recency difference and a clear value difference: the monetary
    column's, or the frequency column's when the data have no monetary column.
    """
    by = {p.group: p for p in phrases if p.group in _RFM and abs(p.effect) >= MEDIUM}
    value = by.get("monetary") if has_monetary else by.get("frequency")
    if "recency" not in by or value is None:
        return phrases
    r = by["recency"].effect
    high_f = "frequency" in by and by["frequency"].effect > 0
    if r < 0:
        label = "Champions" if value.effect > 0 and (high_f or "frequency" not in by) else (
            "Recent, high value" if value.effect > 0 else "Recent, low value")
    else:
        label = "At risk, high value" if value.effect > 0 else "Lost, low value"
    if label is None:
        return phrases
    strength = max(abs(p.effect) for p in by.values())
    rest = [p for p in phrases if p.group not in by]
    return [_Phrase(label, "rfm", strength, 0), *rest]


def _base(cands: list[_Phrase]) -> list[_Phrase]:
    strong = [p for p in cands if abs(p.effect) >= MEDIUM]
    return strong[:MAX_PARTS]


def _join(parts: list[_Phrase]) -> str:
    if not parts:
        return "Close to average"
    text = ", ".join(p.text for p in parts)
    return text[0].upper() + text[1:]


def _unique(profiles, ids, candidates, parts, taken: set[str]) -> dict[int, str]:
    names = {s: _join(parts[s]) for s in ids}
    for _ in range(10):
        groups: dict[str, list[int]] = {}
        for s in ids:
            groups.setdefault(names[s].lower(), []).append(s)
        clashes = [g for key, g in groups.items() if len(g) > 1 or key in taken]
        if not clashes:
            return names
        for group in clashes:
            for s in group:
                extra = [p for p in candidates[s] if p not in parts[s]]
                if extra:
                    parts[s] = [*parts[s], extra[0]]
                else:  # nothing left: the feature where this look-alike stands out most
                    parts[s] = [*parts[s], _contrast(profiles, s, group, parts[s])]
                names[s] = _join(parts[s])
    # identical profiles: tell them apart by size, still in words
    order = sorted(ids, key=lambda s: -profiles.sizes[s])
    seen: dict[str, int] = {}
    for s in order:
        base = names[s]
        count = seen.get(base.lower(), 0)
        seen[base.lower()] = count + 1
        if count or base.lower() in taken:
            names[s] = f"{base} ({_ORDINAL[min(count, len(_ORDINAL) - 1)]} group)"
    return names


_ORDINAL = ("main", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth", "another")


def _contrast(profiles: SegmentProfiles, s: int, group: list[int], used) -> _Phrase:
    """'higher X' / 'lower X' on the feature where ``s`` differs most from its look-alikes."""
    std = profiles.standardised
    others = [o for o in group if o != s] or [o for o in std.index if o != s]
    used_groups = {p.group for p in used}
    if len(std.columns) and others:
        diff = (std.loc[s] - std.loc[others].mean()).dropna()
        for feature in diff.abs().sort_values(ascending=False).index:
            d = float(diff[feature])
            if d == 0:
                break
            group_ = _group(feature) or feature
            if group_ in used_groups or f"contrast:{feature}" in used_groups:
                continue
            text = f"{'higher' if d > 0 else 'lower'} {readable(feature)}"
            return _Phrase(text, f"contrast:{feature}", d, 3)
    sizes = [profiles.sizes[o] for o in group]
    size = "larger" if profiles.sizes[s] >= max(sizes) else "smaller"
    return _Phrase(f"{size} group", "size", 0.0, 3)


def _describe(profiles: SegmentProfiles, s: int) -> str:
    size, share, value = profiles.sizes[s], profiles.shares[s], profiles.value_shares[s]
    head = f"{size:,} customers ({fmt_share(share)} of all"
    head += f", {fmt_share(value)} of value)" if value is not None else ")"
    bits = []
    for rec in profiles.top_features(s, MAX_PARTS):
        if abs(rec["effect_size"]) < SMALL:
            break
        word = "higher" if rec["effect_size"] > 0 else "lower"
        if rec["kind"] == "categorical":
            how = "more often" if rec["effect_size"] > 0 else "less often"
            bits.append(f"{how} {rec['feature']} = {rec['level']} ({fmt_share(rec['mean'])} vs "
                        f"{fmt_share(rec['overall_mean'])})")
        elif rec["kind"] == "binary":
            bits.append(f"{word} {readable(rec['feature'])} ({fmt_share(rec['mean'])} vs "
                        f"{fmt_share(rec['overall_mean'])})")
        else:
            bits.append(f"{word} {readable(rec['feature'])} (mean {fmt_number(rec['mean'])} vs "
                        f"{fmt_number(rec['overall_mean'])})")
    if not bits:
        return head + " and close to the average customer on every feature."
    listed = bits[0] if len(bits) == 1 else ", ".join(bits[:-1]) + " and " + bits[-1]
    return f"{head}; compared with all customers: {listed}."
