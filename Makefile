# make run: set up .venv if needed, create the demo database on first run, open the window.
# make test: set up or refresh .venv, then ruff, mypy --strict and the whole suite offscreen.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean gui-libs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Qt's X11 plugin needs xcb libraries a fresh Debian/Ubuntu may lack: install them (as root)
# or say which, rather than let the window fail to open.
QT_XCB_DEBS := libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
	libxcb-xkb1 libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libegl1 libgl1
gui-libs: $(STAMP)
	@plugin=$$(find $(VENV) -name libqxcb.so 2>/dev/null | head -1); \
	if [ -n "$$plugin" ] && [ -z "$$WAYLAND_DISPLAY" ] \
	    && ldd "$$plugin" $$(dirname "$$plugin")/../../lib/libQt6XcbQpa.so.6 2>/dev/null | grep -q "not found"; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing the X11 libraries Qt needs to open a window"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(QT_XCB_DEBS) >/dev/null; \
	  else \
	    echo "Qt needs these to open a window: sudo apt-get install $(QT_XCB_DEBS)"; exit 1; \
	  fi; \
	fi

run: $(STAMP) gui-libs
	$(BIN)/exodesk demo --if-empty
	$(BIN)/exodesk

lint: $(STAMP)
	$(BIN)/ruff check exodesk tests benchmarks
	$(BIN)/mypy exodesk

test: $(STAMP) lint
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_cli.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
