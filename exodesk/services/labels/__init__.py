"""Labels without Qt: what an opened vial's label and a lot's label say, and the GS1
DataMatrix they carry. Drawn and printed by exodesk.ui.labels."""

from exodesk.services.labels.content import (
    NO_CODE_PREFIX,
    LabelContent,
    LabelKind,
    LotLabel,
    TextLine,
    VialLabel,
    initials,
    label_content,
    lot_label_content,
    vial_label_content,
)
from exodesk.services.labels.datamatrix import EncodingFailed, ModuleGrid, encode_datamatrix
from exodesk.services.labels.gs1 import GS, Gs1Data, NotEncodable, gs1_data, gtin14

__all__ = [
    "GS",
    "NO_CODE_PREFIX",
    "EncodingFailed",
    "Gs1Data",
    "LabelContent",
    "LabelKind",
    "LotLabel",
    "ModuleGrid",
    "NotEncodable",
    "TextLine",
    "VialLabel",
    "encode_datamatrix",
    "gs1_data",
    "gtin14",
    "initials",
    "label_content",
    "lot_label_content",
    "vial_label_content",
]
