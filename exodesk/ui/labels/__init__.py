"""Labels on paper: the renderer (QPainter, any paint device, at the label's size in mm),
the sizes, and the print / Save as PDF dialog."""

from exodesk.ui.labels.print_label import LabelDialog, print_lot_label, print_vial_label
from exodesk.ui.labels.render import render_label_image, write_label_pdf
from exodesk.ui.labels.sizes import DEFAULT_SIZE, LABEL_SIZES, LabelSize

__all__ = [
    "DEFAULT_SIZE",
    "LABEL_SIZES",
    "LabelDialog",
    "LabelSize",
    "print_lot_label",
    "print_vial_label",
    "render_label_image",
    "write_label_pdf",
]
