"""The words of the report: section introductions and a "How to read this" per figure.

Kept apart from the templates so they can be read, reviewed and tested as
plain text. Each paragraph is written for a student meeting the figure for
the first time, and says what the axes, colours and marks mean.
"""

from __future__ import annotations

import re

SECTIONS = {
    "overview": ("1", "Data overview"),
    "preprocessing": ("2", "Preprocessing and feature selection"),
    "selection": ("3", "Model selection"),
    "segments": ("4", "Segments"),
    "validation": ("5", "Validation"),
    "usage": ("6", "Using the result"),
    "tracking": ("7", "Segments over time"),  # custseg.tracking (--previous / --holdout)
    "value": ("8", "What each segment is worth"),  # custseg.value (transaction logs)
}

INTRO = {
    "overview": (
        "What was read and what each column was taken to be. Every column gets exactly one "
        "role (a number, a category, a date, an identifier, personal data...) and the reason "
        "for it. Personal data (names, e-mails, phone numbers, addresses) is never used as a "
        "feature and its values never appear in this report."),
    "preprocessing": (
        "Before clustering, columns are made comparable: gaps are filled, very skewed "
        "columns are transformed, extreme values are clipped and everything is put on the "
        "same scale. Columns that cannot help (constant, mostly empty, duplicates of another "
        "column, no segment structure) are dropped. Each decision is listed with its reason."),
    "selection": (
        "Several algorithms were fitted for several numbers of segments (k). Each fit was "
        "scored with validity indices that measure how compact and well separated the "
        "segments are, and with how stable they stay when the data is resampled. The "
        "recommendation weighs all of them."),
    "segments": (
        "Who is in each segment: how big it is, how much of the value it brings, how it "
        "fares on the outcome columns (churn, responses, scores) when there are any, and "
        "which features set it apart from the other customers."),
    "validation": (
        "How much to trust the segments: whether customers sit closer to their own segment "
        "than to the next one (silhouette), whether segments reappear when the data is "
        "resampled (stability) and, when a known grouping was given, how the segments line "
        "up with it."),
    "tracking": (
        "How these segments relate to the previous run: which previous segment each one "
        "continues (same id and name), which are new or gone, how customers moved between "
        "them, whether the segment shares and profiles drifted, and the control group."),
    "value": (
        "What each segment's customers are expected to spend over the horizon (customer "
        "lifetime value, CLV) and how many have probably stopped buying, from two models "
        "fitted on the log: BG/NBD for how often customers buy and when they silently stop, "
        "Gamma-Gamma for how much a purchase is worth. The holdout check below says how far "
        "to trust the numbers."),
    "usage": (
        "What the run wrote to disk and how to use it, including how to put next month's "
        "customers into the same segments without refitting."),
}

HOW_TO_READ = {
    "columns_table": (
        "One row per input column. The role decides what happens to the column; the reason "
        "says which rule decided it. If a role is wrong (say, a region code read as a "
        "number), override it with --categorical COL, --numeric COL or --exclude COL and run "
        "again."),
    "decisions_table": (
        "One row per column. 'Used' columns became features with the treatment shown; the "
        "others were left out for the reason given. A treatment such as "
        "'log1p + winsorise + standardise' is applied in that order."),
    "before_after": (
        "Each row is one column that preprocessing reshaped. The grey histogram on the left "
        "shows the raw values, the blue one on the right the values the model actually "
        "used. A long right tail on the left that becomes a rounder hump on the right means "
        "a few very large customers no longer dominate the distances. Counts are from a "
        "sample of rows."),
    "k_selection": (
        "Each panel is one validity index; the x-axis is the number of segments k and each "
        "line one algorithm. The panel title says whether higher or lower is better. Look "
        "for a k where the indices agree (a peak for 'higher is better', a dip for 'lower "
        "is better'); the black star marks the recommended algorithm and k. Indices rarely "
        "agree perfectly: a clear, shared optimum means strong structure, flat curves mean "
        "the data has no obvious natural number of segments."),
    "stability_k": (
        "Each solid line is one algorithm: how similar the segments stay when the model is "
        "refitted on resampled customers (1 = identical every time). Dashed lines show the "
        "least stable single segment at each k (Jaccard similarity). Below the 0.6 line a "
        "segment tends to dissolve; above 0.75 it is stable. Prefer a k where the dashed "
        "line is still high: a solution is only as trustworthy as its weakest segment."),
    "candidates_table": (
        "Every algorithm and k that was tried, best rank first, with all its scores. "
        "Silhouette, Calinski-Harabasz and gap: higher is better; Davies-Bouldin, BIC and "
        "ICL: lower is better; stability: higher is better. 'score' combines them into the "
        "ranking."),
    "sizes": (
        "Each segment has two bars: its share of all customers (coloured) and, when a "
        "money column exists, its share of the total value (grey). A segment whose grey bar "
        "is much longer than its coloured bar brings more value than its head count "
        "suggests: those are usually the customers to protect."),
    "profile_heatmap": (
        "Rows are features (for categories: one row per level, e.g. 'city = Paris'), "
        "columns are segments. Each cell is a standardised difference (effect size) between "
        "the segment and all other customers: red means the segment is above the rest, blue "
        "below, white about the same. As a rule of thumb 0.2 is a small difference, 0.5 "
        "medium and 0.8 large. Read a column top to bottom to describe a segment; read a row "
        "to see which segments a feature separates."),
    "snake": (
        "Each line is a segment; each point is the segment's average on one feature, on a "
        "common standardised scale where 0 is the average customer. Lines that cross a lot "
        "belong to segments that differ in many ways; lines that run parallel differ mostly "
        "in overall level."),
    "distributions": (
        "One panel per feature (the features that separate segments most). Each box spans "
        "the middle half of the segment's customers (25th to 75th percentile), the line in "
        "it is the median and the diamond the mean; whiskers reach the furthest customers "
        "within 1.5 box-lengths. Overlapping boxes mean the feature alone cannot tell those "
        "segments apart. Values are in the original units."),
    "map_2d": (
        "Every dot is a customer, placed by the first two principal components of the "
        "features the model used (the two directions in which customers differ most) and "
        "coloured by segment. Well separated colour clouds mean distinct segments; "
        "overlapping clouds can still be separated in the dimensions this flat view hides, "
        "so check the silhouette plot before concluding. The axis titles say how much of "
        "the variation each direction shows."),
    "geo": (
        "Customers on a plain longitude (x) and latitude (y) grid, coloured by segment; no "
        "map background is drawn so the report works offline. Clusters of one colour in "
        "one place mean a segment is regional."),
    "dendrogram": (
        "The hierarchical clustering merges customers (or small groups of them) step by "
        "step; each upside-down U joins two groups and its height is how different they "
        "were. Only the top merges are drawn; numbers in brackets are group sizes. The red "
        "dashed line is where the tree was cut to give the chosen number of segments: a "
        "long vertical gap just above the cut means that k is a natural choice."),
    "certainty": (
        "A mixture model gives every customer a probability of belonging to each segment. "
        "This histogram shows the probability of the segment each customer was assigned "
        "to. Most customers near 1.0 means clear-cut segments; many below the dotted 0.8 "
        "line means they sit between segments and their assignment is uncertain."),
    "silhouette": (
        "Each thin horizontal bar is one customer, grouped by segment and sorted. The "
        "silhouette compares the distance to the customer's own segment with the distance "
        "to the nearest other segment: near 1 it clearly belongs, near 0 it sits on a "
        "border, below 0 it is closer to another segment. Wide bands with few negative "
        "values are good; the dashed line is the average."),
    "stability_segments": (
        "Each bar is one segment: how well it is found again when the model is refitted on "
        "resampled customers (mean Jaccard similarity, 1 = found exactly). Below 0.6 the "
        "segment tends to dissolve and should not be acted on alone; 0.6-0.75 is a pattern "
        "worth checking; above 0.75 it is stable."),
    "contingency": (
        "Rows are the values of the known label you gave, columns are segments, and each "
        "cell counts the customers in both. A segmentation that matches the label puts "
        "most of each row into one column. The scores above (adjusted Rand index, "
        "normalised mutual information) summarise the agreement: 1 is a perfect match, 0 no "
        "more than chance. Segments need not match a label to be useful."),
    "metrics_table": (
        "Scores of the final segments. Silhouette runs from -1 to 1 (above 0.5 strong, "
        "0.25-0.5 reasonable, below 0.25 weak structure; computed on a sample when there are "
        "many customers). Calinski-Harabasz: higher means tighter, better separated segments "
        "(only comparable within one dataset). Davies-Bouldin: lower is better, 0 is ideal. "
        "Stability (mean ARI): 1 means refits on resampled customers give the same segments."),
    "segments_table": (
        "One card per segment, largest first. The name is generated from the features that "
        "set the segment apart most; the description and the top features give the "
        "numbers behind it, always compared with the average customer. The rules come from "
        "a simple decision tree that imitates the segments. Each rule shows its precision "
        "(of the customers it matches, the share that are in this segment) and its coverage "
        "(the share of this segment it matches); a rule with low precision is only a rough "
        "sketch of the segment."),
    "outcomes_table": (
        "One row per segment, one column per outcome (a churn flag, a campaign response, a "
        "model score). These columns were not used to build the segments; they show how "
        "each segment fares on them. A rate is the share of the segment's customers with "
        "the outcome, a mean is the segment's average, and the last row gives the same "
        "number for all customers: compare each segment with it. A segment that differs "
        "from the overall row is where the outcome concentrates, not proof of its cause."),
}

#: Headings of the transaction-log cleaning rules: what each rule is about, in words.
#: The rule's own text says what was done ("dropped", "kept") with its count.
RULE_HEADINGS = {
    "as_of": "as-of date",
    "line_value": "line value",
    "date_format": "dates",
    "drop_missing_customer": "lines without a customer",
    "keep_duplicates": "duplicate lines",
    "exclude_zero_price": "zero-value lines",
    "exclude_negative_price": "negative-value lines",
    "exclude_future_dates": "future dates",
    "returns": "returns",
    "cancel_prefix": "cancellations",
    "cancellations": "cancellations",
    "orders": "orders",
}


def rule_heading(key: str) -> str:
    """The heading of a cleaning rule: its subject, never an option name that may
    say the opposite of what was done.

    >>> rule_heading("keep_duplicates"), rule_heading("some_new_rule")
    ('duplicate lines', 'some new rule')
    """
    key = str(key)
    if key in RULE_HEADINGS:
        return RULE_HEADINGS[key]
    words = key.replace("_", " ").strip()
    # an option name ("keep x", "exclude x", "drop x") states a choice, not the subject
    return re.sub(r"^(keep|drop|exclude|include|use|skip) ", "", words)
