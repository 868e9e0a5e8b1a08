# make run:  set up .venv with what the program needs (from requirements/run.txt), create the
#            demo database on first run, open the window.
# make test: add the test tools (requirements/test.txt), then ruff, import-linter,
#            mypy --strict and the whole suite offscreen.
# make dist: the wheel, a one-folder bundle that runs without Python (PyInstaller), and an
#            archive of it, in dist/; make dist-check validates and smoke-tests them.
# make lock: re-solve the three lock files after changing pyproject.toml's dependencies.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# setuptools prints a notice on every editable install ("be careful with folders named like
# the package"): information, not a problem, so it is not shown.
PIP := PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet \
	--disable-pip-version-check
RUN_STAMP := $(VENV)/.run-installed
TEST_STAMP := $(VENV)/.test-installed
DIST_STAMP := $(VENV)/.dist-installed
VERSION = $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' exodesk/__init__.py)
ARCHIVE = dist/exodesk-$(VERSION)-$(shell uname -s | tr A-Z a-z)-$(shell uname -m).tar.gz

.PHONY: run test lint bench clean gui-libs dist dist-check lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip

$(RUN_STAMP): pyproject.toml setup.py requirements/run.txt | $(BIN)/python
	$(PIP) -c requirements/run.txt -e .
	touch $@

$(TEST_STAMP): $(RUN_STAMP) requirements/test.txt
	$(PIP) -c requirements/test.txt -e '.[test,postgres]'
	touch $@

$(DIST_STAMP): $(RUN_STAMP) requirements/dist.txt
	$(PIP) -c requirements/dist.txt -e '.[dist]'
	touch $@

# Qt's X11 plugin needs xcb libraries a fresh Debian/Ubuntu may lack: install them (as root)
# or say which, rather than let the window fail to open.
QT_XCB_DEBS := libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
	libxcb-xkb1 libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libegl1 libgl1
gui-libs: $(RUN_STAMP)
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

run: $(RUN_STAMP) gui-libs
	$(BIN)/exodesk demo --if-empty
	$(BIN)/exodesk

lint: $(TEST_STAMP)
	$(BIN)/ruff check exodesk tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy exodesk

# The suite on every core (pytest-xdist); each test keeps its files to itself.
test: $(TEST_STAMP) lint
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -n auto

# ExoDesk against the raw-sqlite3 baseline at 10,000 lots / 100,000 treatments (issue 15's
# table, in Markdown); `make bench BENCH_ARGS=--large` for 100,000 / 1,000,000.
bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/compare.py $(BENCH_ARGS)

dist: $(DIST_STAMP)
	rm -rf dist/exodesk build/pyinstaller
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .
	$(BIN)/pyinstaller --noconfirm --log-level ERROR --distpath dist --workpath build/pyinstaller \
	    packaging/exodesk.spec
	tar -C dist -czf $(ARCHIVE) exodesk
	@ls -l dist/*.whl $(ARCHIVE)

dist-check:
	packaging/check-desktop-files.sh
	packaging/smoke-test-wheel.sh dist/exodesk-$(VERSION)-py3-none-any.whl
	packaging/smoke-test.sh dist/exodesk/exodesk

lock: $(BIN)/python
	$(PIP) uv
	for extras in run:"" test:"--extra test --extra postgres" dist:"--extra dist"; do \
	  $(BIN)/uv pip compile --quiet --universal --python-version 3.11 $${extras#*:} \
	      pyproject.toml -o requirements/$${extras%%:*}.txt || exit 1; \
	done

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build dist
