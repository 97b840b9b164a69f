# Two commands: `make run` and `make test`. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
GRAPHVIZ := $(VENV)/.graphviz
HANDOUT := $(VENV)/.handout
HANDOUT_DEBS := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils
POSE := .venv-pose/.installed
BROWSER := $(VENV)/.browser
AXE_VERSION := 4.14.1
AXE := $(VENV)/npm/node_modules/axe-core/axe.min.js

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Graphviz draws the causal graph in `crux kb report`. Installed from Debian when `dot` is
# missing; without it the report is still written, with a note in place of the drawing.
$(GRAPHVIZ): | $(STAMP)
	@command -v dot >/dev/null 2>&1 || (export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq >/dev/null && \
	  apt-get install -y -qq --no-install-recommends graphviz >/dev/null) || \
	  echo "warning: could not install Graphviz; crux kb report will not draw the graph" >&2
	@if command -v dot >/dev/null 2>&1; then touch $@; fi

# The handout's PDF is made by WeasyPrint, which needs Debian's Pango; its tests read the
# PDF back with poppler's pdftotext and pdftoppm. Installed from Debian when missing.
$(HANDOUT): | $(STAMP)
	@if ! dpkg -s $(HANDOUT_DEBS) >/dev/null 2>&1; then export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq >/dev/null && \
	  apt-get install -y -qq --no-install-recommends $(HANDOUT_DEBS) >/dev/null; fi
	@dpkg -s $(HANDOUT_DEBS) >/dev/null 2>&1 && touch $@

# The pose model runs in its own environment: mediapipe 0.10.21 (the last wheel that ships
# its pose model) needs numpy below 2, the app numpy 2. Installed lean: mediapipe without
# its declared dependencies (jax, a second OpenCV: about 1.1 GB), then what it needs to run.
$(POSE): pose/requirements.txt
	$(PYTHON) -m venv .venv-pose
	.venv-pose/bin/python -m pip install --quiet --upgrade pip
	.venv-pose/bin/python -m pip install --quiet --no-deps mediapipe==0.10.21
	.venv-pose/bin/python -m pip install --quiet -r pose/requirements.txt
	touch $@

# The browser tests drive Debian's chromium with Playwright (never Playwright's own
# browser download) and check each page with axe-core from the npm registry.
$(BROWSER): | $(STAMP)
	@if [ ! -x /usr/bin/chromium ]; then export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq >/dev/null && \
	  apt-get install -y -qq --no-install-recommends chromium >/dev/null; fi
	@[ -x /usr/bin/chromium ] && touch $@

$(AXE): | $(STAMP)
	npm install --silent --no-audit --no-fund --prefix $(VENV)/npm axe-core@$(AXE_VERSION)

run: $(STAMP) $(GRAPHVIZ) $(HANDOUT) $(POSE)
	$(BIN)/crux serve --demo

# The database tests run on SQLite and on PostgreSQL: scripts/with-postgres starts a
# throwaway server (Debian's postgresql, installed when missing) unless
# CRUX_TEST_POSTGRES_URL already names one.
test: $(STAMP) $(GRAPHVIZ) $(HANDOUT) $(POSE) $(BROWSER) $(AXE)
	$(BIN)/ruff check .
	scripts/with-postgres $(BIN)/python -m pytest

bench: $(STAMP) $(POSE)
	$(BIN)/python benchmarks/inference.py
	$(BIN)/python benchmarks/movement.py

clean:
	rm -rf $(VENV) .venv-pose .pytest_cache .ruff_cache
