from exodesk.cli import main_entry

main_entry()
