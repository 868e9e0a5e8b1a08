"""Qt only: windows, table models and dialogs. Calls services; never writes SQL."""
