"""Printing a label: a small dialog with the label's size (remembered), a preview, "Print…"
(Qt's print dialog, to a label printer or any printer) and "Save as PDF…".

Like exodesk.ui.common.printing (whose helpers lay out A4 HTML reports, so they cannot carry a
label), it prints through a high-resolution QPrinter and QPrintDialog; the page here is the
label itself, with no printer margins: the label keeps its own.

Callers: `print_lot_label(parent, LotLabel(...))` from a lot's card and
`print_vial_label(parent, VialLabel(...))` when a vial is reconstituted."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from exodesk.services.labels import (
    EncodingFailed,
    LabelContent,
    LotLabel,
    VialLabel,
    lot_label_content,
    vial_label_content,
)
from exodesk.ui.common.file_dialogs import ask_save_file
from exodesk.ui.labels.render import (
    LabelLayout,
    LabelTooSmall,
    page_layout,
    paint_label,
    render_label_image,
    write_label_pdf,
)
from exodesk.ui.labels.sizes import LABEL_SIZES, LabelSize, size_by_key

SIZE_KEY = "labels/size"
PREVIEW_DPI = 200
PREVIEW_WIDTH = 420  # screen pixels


def remembered_size() -> LabelSize:
    return size_by_key(QSettings().value(SIZE_KEY))


def new_printer() -> QPrinter:
    """A high-resolution printer (tests replace it with one that writes a PDF)."""
    return QPrinter(QPrinter.PrinterMode.HighResolution)


def configure_printer(printer: QPrinter, size: LabelSize) -> None:
    """One label a page: the page is the label's size, drawn from its very corner."""
    printer.setPageLayout(page_layout(size))
    printer.setFullPage(True)  # after the layout, which would reset it
    printer.setDocName("ExoDesk label")


def print_to(printer: QPrinter, content: LabelContent, size: LabelSize) -> LabelLayout:
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("the printer cannot be started")
    try:
        return paint_label(painter, content, size)
    finally:
        painter.end()


def print_label_with_dialog(parent: QWidget | None, content: LabelContent, size: LabelSize) -> bool:
    """Qt's print dialog for the label; True if it was printed."""
    printer = new_printer()
    configure_printer(printer, size)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Print label")
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    print_to(printer, content, size)
    return True


class LabelDialog(QDialog):
    """The label's size, its preview, Print… and Save as PDF…."""

    def __init__(self, content: LabelContent, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.content = content
        self.setWindowTitle(f"Label: {content.title}")
        self.size_box = QComboBox()
        for size in LABEL_SIZES:
            self.size_box.addItem(size.name, size.key)
        self.size_box.setCurrentIndex(LABEL_SIZES.index(remembered_size()))
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("QLabel { background: #888; padding: 8px; }")
        self.note = QLabel()
        self.note.setWordWrap(True)
        if content.no_code_reason is not None:
            self.note.setText(
                f"This label prints without a DataMatrix: {content.no_code_reason}. "
                "Scanners cannot read it; its text says what the code would have."
            )
        self.note.setVisible(content.no_code_reason is not None)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.print_button = QPushButton("Print…")
        self.print_button.setDefault(True)
        self.pdf_button = QPushButton("Save as PDF…")
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.pdf_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.print_button.clicked.connect(self.print_label)
        self.pdf_button.clicked.connect(self.save_pdf)
        self.size_box.currentIndexChanged.connect(self._size_changed)

        form = QFormLayout()
        form.addRow("Label size", self.size_box)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self._refresh()

    def label_size(self) -> LabelSize:
        return size_by_key(self.size_box.currentData())

    def _size_changed(self) -> None:
        QSettings().setValue(SIZE_KEY, self.label_size().key)
        self._refresh()

    def _refresh(self) -> None:
        try:
            image, _layout = render_label_image(self.content, self.label_size(), PREVIEW_DPI)
        except (LabelTooSmall, EncodingFailed) as exc:
            self.preview.setText(str(exc))
            return
        pixmap = QPixmap.fromImage(image)
        self.preview.setPixmap(
            pixmap.scaledToWidth(PREVIEW_WIDTH, Qt.TransformationMode.SmoothTransformation)
        )

    def _failed(self, what: str, exc: Exception) -> None:
        QMessageBox.warning(self, "Label", f"The label could not be {what}: {exc}")

    def print_label(self) -> bool:
        try:
            return print_label_with_dialog(self, self.content, self.label_size())
        except (OSError, LabelTooSmall, EncodingFailed) as exc:
            self._failed("printed", exc)
            return False

    def save_pdf(self) -> Path | None:
        path = ask_save_file(
            self, "Save label as PDF", f"{self.content.file_stem}.pdf", "PDF (*.pdf)"
        )
        if path is None:
            return None
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        try:
            write_label_pdf(self.content, self.label_size(), path)
        except (OSError, LabelTooSmall, EncodingFailed) as exc:
            self._failed("saved", exc)
            return None
        return path


def show_label_dialog(parent: QWidget | None, content: LabelContent) -> LabelDialog:
    dialog = LabelDialog(content, parent)
    dialog.exec()
    return dialog


def print_lot_label(parent: QWidget | None, label: LotLabel) -> None:
    """The "Print label…" action of a lot's card: the lot's label at receipt."""
    show_label_dialog(parent, lot_label_content(label))


def print_vial_label(parent: QWidget | None, label: VialLabel) -> None:
    """The label for a vial just reconstituted."""
    show_label_dialog(parent, vial_label_content(label))
