"""Plots of every stage: data in, figure out (matplotlib and plotly), never shown.

Each figure has a matplotlib function ``plot_*(data, ..., ax=None)`` that
returns a :class:`matplotlib.figure.Figure` (Agg canvas, for PNGs and
slides) and a plotly function ``plotly_*(data, ...)`` that returns a
``plotly.graph_objects.Figure``; :func:`plotly_dict` gives the same figure as
a plain dict (what the interactive report embeds). Scatter plots
draw at most :data:`MAX_POINTS` customers, a seeded sample that the title
mentions. :func:`save_figures` writes a run's PNGs.

Example
-------
>>> import pandas as pd
>>> from custseg.viz import plot_profile_heatmap
>>> effects = pd.DataFrame([[0.8, -0.2]], index=[0], columns=["income", "age"])
>>> plot_profile_heatmap(effects).axes[0].images[0].get_array().shape
(2, 1)
"""

from custseg.viz._common import MAX_POINTS, PALETTE, sample_rows, segment_colour, segment_label
from custseg.viz.extract import figure_specs
from custseg.viz.figures import TITLES, matplotlib_figure, plotly_dict, plotly_figure
from custseg.viz.maps import embed_2d, plot_geo, plot_map, plotly_geo, plotly_map, umap_available
from custseg.viz.preprocess import before_after_data, plot_before_after, plotly_before_after
from custseg.viz.save import save_figures
from custseg.viz.segments import (
    distribution_summary,
    plot_distributions,
    plot_profile_heatmap,
    plot_sizes,
    plot_snake,
    plotly_distributions,
    plotly_profile_heatmap,
    plotly_sizes,
    plotly_snake,
)
from custseg.viz.selection import (
    candidates_table,
    plot_k_selection,
    plot_stability_k,
    plotly_k_selection,
    plotly_stability_k,
)
from custseg.viz.structure import (
    certainty_histogram,
    dendrogram_data,
    plot_certainty,
    plot_dendrogram,
    plotly_certainty,
    plotly_dendrogram,
)
from custseg.viz.validation import (
    plot_contingency,
    plot_silhouette,
    plot_stability_bars,
    plotly_contingency,
    plotly_silhouette,
    plotly_stability_bars,
    silhouette_frame,
)

__all__ = [
    "MAX_POINTS",
    "PALETTE",
    "TITLES",
    "before_after_data",
    "candidates_table",
    "certainty_histogram",
    "dendrogram_data",
    "distribution_summary",
    "embed_2d",
    "figure_specs",
    "matplotlib_figure",
    "plot_before_after",
    "plot_certainty",
    "plot_contingency",
    "plot_dendrogram",
    "plot_distributions",
    "plot_geo",
    "plot_k_selection",
    "plot_map",
    "plot_profile_heatmap",
    "plot_silhouette",
    "plot_sizes",
    "plot_snake",
    "plot_stability_bars",
    "plot_stability_k",
    "plotly_before_after",
    "plotly_certainty",
    "plotly_contingency",
    "plotly_dendrogram",
    "plotly_dict",
    "plotly_distributions",
    "plotly_figure",
    "plotly_geo",
    "plotly_k_selection",
    "plotly_map",
    "plotly_profile_heatmap",
    "plotly_silhouette",
    "plotly_sizes",
    "plotly_snake",
    "plotly_stability_bars",
    "plotly_stability_k",
    "sample_rows",
    "save_figures",
    "segment_colour",
    "segment_label",
    "silhouette_frame",
    "umap_available",
]
