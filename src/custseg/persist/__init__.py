"""Save a fitted segmentation safely and score new customers with it.

Example
-------
>>> from custseg.persist import SegmentationModel, save_model, load_model
>>> SegmentationModel.__name__
'SegmentationModel'
"""

from custseg.persist.model import SegmentationModel, load_model, save_model

__all__ = ["SegmentationModel", "load_model", "save_model"]
