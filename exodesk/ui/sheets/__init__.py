"""Spreadsheets in the window: File › Import from spreadsheet… (`import_dialog`) and the
views' export as CSV or Excel workbook (`export`)."""
