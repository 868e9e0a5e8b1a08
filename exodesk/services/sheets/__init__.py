"""Spreadsheets into records (shared/INTERCHANGE.md, "Spreadsheets"): a sheet of products,
lots, treatments or documents is read (`reading`), its header row found and its headers
matched to fields (`headers`, with the fields and their synonyms in `fields`), each cell turned
into the interchange file's value (`values`, `dates`), and the rows built into the records of
an interchange file (`records`), which are then validated and imported exactly as `exodesk
import` does (`importing`); problems name the row and column of the sheet (`locating`).
The window's import adds a sheet's columns with their guessed fields, a preview of every row
with its problems and a dry run (`preview`). The other way, the views' tables (`exports`) are
written as Excel workbooks (`xlsx_export`)."""
