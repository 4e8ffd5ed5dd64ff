"""The exact object types a custseg model file may hold: an explicit allow-list.

A skops file is a zip holding ``schema.json``: a tree of nodes, each naming a
*loader* (how skops rebuilds it: ``ObjectNode``, ``NdArrayNode``,
``FunctionNode``...) and a *type* (``module.Class``). :func:`refused_types`
walks that tree **before any object is constructed** and refuses every
``(loader, type)`` pair not listed in :data:`ALLOWED_NODES`.

How the list was derived
------------------------
``custseg.run(...)`` was run on small tables with every algorithm (kmeans,
minibatch_kmeans, bisecting_kmeans, hierarchical ward/average/complete,
two-step hierarchical above 2,000 rows, gmm, hdbscan, kprototypes with
``--mixed kprototypes``, rule-based rfm), every mixed-data option (onehot,
famd, kprototypes), PCA auto/off/a number, geography, dates, high-cardinality
categories (frequency encoding) and transaction logs. Each model was saved
with :func:`custseg.persist.save_model` and :func:`schema_nodes` collected the
pairs of its ``schema.json``; the union is the list below (the names
``skops.io.get_untrusted_types`` reports are a subset of it: skops leaves out
the types it trusts by default, such as every scikit-learn estimator, which is
why custseg does not rely on skops' defaults). The test
``tests/security/test_model_files.py::test_allow_list_covers_every_model``
regenerates the pairs from real models, so a new type fails the test, not the
user.

Functions are never trusted (``FunctionTransformer`` callables, ``builtins.exec``,
``numpy.*`` functions, ``operator.*``, bound methods, partials), with one
exception custseg itself writes: scikit-learn's ``BisectingKMeans`` keeps the
Lloyd iteration it refits with (``_kmeans_single``) as an attribute, so its
models hold the function ``sklearn.cluster._kmeans._kmeans_single_lloyd``. That
exact name is allowed, nothing else; nothing on the scoring path calls it.

Example
-------
>>> schema = {"__loader__": "ObjectNode", "__module__": "sklearn.preprocessing",
...           "__class__": "FunctionTransformer", "content": {"__loader__": "TypeNode",
...           "__module__": "builtins", "__class__": "exec"}}
>>> refused_types(schema_nodes(schema))
['builtins.exec (a type or built-in function)', 'sklearn.preprocessing.FunctionTransformer']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: Model classes custseg writes (ObjectNode: rebuilt with ``__new__`` + ``__setstate__``).
_CUSTSEG_OBJECTS = frozenset({
    "custseg.persist.model.SegmentationModel",
    "custseg.preprocess.pipeline.CustomerPreprocessor",
    "custseg.preprocess.numeric.MissingImputer",
    "custseg.preprocess.numeric.SkewTransformer",
    "custseg.preprocess.numeric.Winsorizer",
    "custseg.preprocess.dates.DateDurationEncoder",
    "custseg.preprocess.encode.WeightedOneHotEncoder",
    "custseg.preprocess.encode.FrequencyEncoder",
    "custseg.preprocess.encode.CategoryCodeEncoder",
    "custseg.preprocess.geo.GeoEncoder",
    "custseg.models._kmeans.KMeansClusterer",
    "custseg.models._hierarchical.AgglomerativeClusterer",
    "custseg.models._mixture.GMMClusterer",
    "custseg.models._density.HDBSCANClusterer",
    "custseg.selection._genie.GenieClusterer",  # the Genie switch of issue 21
    "custseg.models.mixed.KPrototypesClusterer",
    "custseg.features.segmenter.RFMSegmenter",
})

#: scikit-learn classes inside custseg's models (never FunctionTransformer & co.).
_SKLEARN_OBJECTS = frozenset({
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.decomposition._pca.PCA",
    "sklearn.cluster._kmeans.KMeans",
    "sklearn.cluster._kmeans.MiniBatchKMeans",
    "sklearn.cluster._bisect_k_means.BisectingKMeans",
    "sklearn.cluster._bisect_k_means._BisectingTree",
    "sklearn.mixture._gaussian_mixture.GaussianMixture",
})

#: NumPy scalar types an array node may carry. Only ``numpy.float64`` was seen
#: in the models above; the other fixed-size numbers are plain data (no code,
#: no callable) and are listed so a model trained on other data still loads.
_NUMPY_SCALARS = frozenset({
    "numpy.ndarray", "numpy.float64", "numpy.float32", "numpy.int64", "numpy.int32",
    "numpy.int16", "numpy.int8", "numpy.uint64", "numpy.uint32", "numpy.uint16",
    "numpy.uint8", "numpy.bool", "numpy.bool_",
})

#: Types stored as *type objects* (dtype parameters such as ``dtype=int``).
_TYPES = frozenset({
    "builtins.int", "builtins.str", "builtins.float", "builtins.bool",
    "numpy.float64", "numpy.float32", "numpy.int64", "numpy.int32",
})

#: Functions custseg's own models hold (see the module docstring). Nothing else.
ALLOWED_FUNCTIONS = frozenset({"sklearn.cluster._kmeans._kmeans_single_lloyd"})

#: skops loaders that rebuild a callable (a function, bound method, partial,
#: operator). Refused unless the exact name is in :data:`ALLOWED_FUNCTIONS`.
FUNCTION_LOADERS = frozenset({"FunctionNode", "MethodNode", "PartialNode",
                              "OperatorFuncNode"})

#: skops loader -> the exact types custseg's model files hold under it.
ALLOWED_NODES: dict[str, frozenset[str]] = {
    "ObjectNode": _CUSTSEG_OBJECTS | _SKLEARN_OBJECTS,
    "DictNode": frozenset({"builtins.dict"}),
    "ListNode": frozenset({"builtins.list"}),
    "TupleNode": frozenset({"builtins.tuple"}),
    # skops writes every JSON-able value (str, int, float, bool, None) as a
    # JsonNode named builtins.str and rebuilds it with json.loads: data only.
    "JsonNode": frozenset({"builtins.str"}),
    "NdArrayNode": _NUMPY_SCALARS,
    "TypeNode": _TYPES,
    "RandomStateNode": frozenset({"numpy.random.mtrand.RandomState"}),
    "FunctionNode": ALLOWED_FUNCTIONS,
}

#: Every type name allowed under some loader: the ``trusted`` list given to skops.
ALLOWED_TYPE_NAMES = frozenset().union(*ALLOWED_NODES.values())


def schema_nodes(schema: Any) -> set[tuple[str, str]]:
    """Every ``(loader, module.Class)`` pair in a skops ``schema.json`` tree.

    Walks the parsed JSON iteratively (no recursion limit), visiting every dict
    and list, so every node skops could build is seen. A node whose loader,
    module or class is not a string is reported as ``("?", "?")``.

    Example
    -------
    >>> sorted(schema_nodes({"__loader__": "ListNode", "__module__": "builtins",
    ...                      "__class__": "list", "content": []}))
    [('ListNode', 'builtins.list')]
    """
    pairs: set[tuple[str, str]] = set()
    stack = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "__loader__" in item:
                pairs.add(node_type(item))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return pairs


def node_type(node: dict[str, Any]) -> tuple[str, str]:
    """``(loader, module.Class)`` of one schema node; ``("?", "?")`` if not all strings.

    Example
    -------
    >>> node_type({"__loader__": "FunctionNode", "__module__": "numpy", "__class__": "ravel"})
    ('FunctionNode', 'numpy.ravel')
    """
    loader, module, cls = node.get("__loader__"), node.get("__module__"), node.get("__class__")
    if all(isinstance(v, str) for v in (loader, module, cls)):
        return loader, f"{module}.{cls}"
    return "?", "?"


def refused_types(pairs: Iterable[tuple[str, str]]) -> list[str]:
    """The pairs custseg refuses, as sorted readable names (empty: all trusted).

    Example
    -------
    >>> refused_types([("ObjectNode", "custseg.persist.model.SegmentationModel"),
    ...                ("FunctionNode", "numpy.ravel"), ("ObjectNode", "os.system")])
    ['numpy.ravel (a function)', 'os.system']
    """
    refused = set()
    for loader, name in pairs:
        if name in ALLOWED_NODES.get(loader, ()):
            continue
        if loader in FUNCTION_LOADERS:
            refused.add(f"{name} (a function)")
        elif loader == "TypeNode":  # skops stores builtins such as exec/eval as TypeNodes
            refused.add(f"{name} (a type or built-in function)")
        elif loader in ALLOWED_NODES:
            refused.add(name)
        else:
            refused.add(f"{name} (as {loader})")
    return sorted(refused)


# ------------------------------------------------------------------ Spark models
#: Spark ML classes in the ``pipeline/`` folder ``custseg run --engine spark``
#: writes (the metadata of a PipelineModel and of each stage names one). pyspark
#: imports the class a metadata file names and calls its ``load``, so any other
#: name is refused before Spark reads the folder. Collected from real Spark runs
#: with kmeans, gmm and bisecting_kmeans (numbers, categories, dates, geo).
SPARK_CLASSES = frozenset({
    "org.apache.spark.ml.PipelineModel",
    "org.apache.spark.ml.feature.SQLTransformer",
    "org.apache.spark.ml.feature.ImputerModel",
    "org.apache.spark.ml.feature.VectorAssembler",
    "org.apache.spark.ml.feature.StandardScalerModel",
    "org.apache.spark.ml.feature.StringIndexerModel",
    "org.apache.spark.ml.feature.OneHotEncoderModel",
    "org.apache.spark.ml.feature.ElementwiseProduct",
    "org.apache.spark.ml.feature.PCAModel",
    "org.apache.spark.ml.clustering.KMeansModel",
    "org.apache.spark.ml.clustering.BisectingKMeansModel",
    "org.apache.spark.ml.clustering.GaussianMixtureModel",
})

#: SQL functions custseg's SQLTransformer statements call (src/custseg/spark/prep.py
#: and engine.py). Spark SQL can also call Java (``reflect``, ``java_method``) and
#: read files, so a statement calling anything else is refused.
SPARK_SQL_FUNCTIONS = frozenset({
    "cast", "try_cast", "least", "greatest", "log1p", "signum", "abs", "datediff",
    "to_date", "try_to_timestamp", "coalesce", "nullif", "trim", "in",
    # the compiled local preprocessing (spark/prep.py): NaN as NULL, Yeo-Johnson,
    # unit-sphere coordinates, whole numbers as category text, frequency tables
    "nanvl", "power", "radians", "cos", "sin", "floor", "try_element_at",
    "map_from_arrays", "array",
    # keywords followed by a parenthesis: CASE WHEN (...) THEN (...) ELSE (...)
    "when", "then", "else", "and", "or", "not",
})
