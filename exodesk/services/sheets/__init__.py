"""Spreadsheets into records (shared/INTERCHANGE.md, "Spreadsheets"): a sheet of products,
lots, treatments or documents is read (`reading`), its header row found and its headers
matched to fields (`headers`, with the fields and their synonyms in `fields`), each cell turned
into the interchange file's value (`values`, `dates`), and the rows built into the records of
an interchange file (`records`), which are then validated and imported exactly as `exodesk
import` does (`importing`); problems name the row and column of the sheet (`locating`)."""
