# gcrit: the verbs a reader uses. `make book` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Tests run in one process: on 2 cores, two pytest-xdist workers that each use the BLAS thread
# pool made nbval 5x and the unit tests 4x slower (measured). With many cores, add
# `-n auto --dist loadfile` and OMP_NUM_THREADS=1.
NBVAL := $(BIN)/python -m pytest --nbval --nbval-current-env \
	--nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider \
	--ignore=_build notebooks/

.PHONY: FORCE help api-page install vendor-mathjax figures book check-book chromium test lint unit nbval book-check lab notebooks clean

help:
	@echo "make book   - create .venv, install, execute the notebooks, build _build/html"
	@echo "make test   - install, ruff, unit tests, nbval over every notebook, strict book build"
	@echo "make figures - regenerate every figure into figures/ (PDF + PNG)"
	@echo "make check-book - build the book and check every page in headless Chromium"
	@echo "make lab    - open the notebooks in JupyterLab (from .venv)"
	@echo "make notebooks - re-execute every notebook in place (outputs to commit)"
	@echo "make clean  - remove build outputs and caches (keeps .venv)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# PyTorch: requirements.txt pins the version only. From pip's default index that version comes,
# on Linux, with CUDA libraries (several GB). TORCH_INDEX names another index for torch alone,
# e.g. `make book TORCH_INDEX=https://download.pytorch.org/whl/cpu` for the CPU build.
TORCH_INDEX ?=
TORCH_PIN := $(shell grep '^torch==' requirements.txt)

$(STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	@if [ -n "$(TORCH_INDEX)" ]; then \
	  echo "installing $(TORCH_PIN) from $(TORCH_INDEX)"; \
	  $(BIN)/python -m pip install -q --index-url "$(TORCH_INDEX)" "$(TORCH_PIN)"; fi
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)

# MathJax for offline reading: fetched from the npm registry into an ignored folder.
MATHJAX := vendor/html_extra/mathjax/es5/tex-mml-chtml.js
vendor-mathjax: vendor/html_extra/gcrit-mathjax-loader.js
	@test -f $(MATHJAX) || { \
	  rm -rf vendor/npm && mkdir -p vendor/npm && cd vendor/npm && \
	  npm pack mathjax@3 --silent >/dev/null 2>&1 && tar xzf mathjax-3*.tgz && \
	  mkdir -p ../html_extra/mathjax && mv package/es5 ../html_extra/mathjax/ && \
	  echo "MathJax vendored into vendor/html_extra/mathjax"; \
	} || echo "npm pack mathjax@3 failed: the book will load MathJax from the CDN"

vendor/html_extra/gcrit-mathjax-loader.js: book/mathjax/gcrit-mathjax-loader.js
	mkdir -p vendor/html_extra
	cp $< $@

# Launch buttons (Binder, JupyterLab) and the repository button need the public repository:
# `make book GCRIT_REPO_URL=https://github.com/ORG/gcrit`. Without it the book has none (a
# button to a made-up address would be worse than no button); download buttons are always on.
GCRIT_REPO_URL ?=
BOOK_CONFIG := _build/_config_book.yml

$(BOOK_CONFIG): _config.yml FORCE
	mkdir -p _build
	cp _config.yml $@
	@if [ -n "$(GCRIT_REPO_URL)" ]; then \
	  printf 'repository:\n  url: %s\n  branch: main\nlaunch_buttons:\n  notebook_interface: jupyterlab\n  binderhub_url: https://mybinder.org\n' "$(GCRIT_REPO_URL)" >> $@; \
	  sed -i 's/use_repository_button: false/use_repository_button: true/' $@; \
	  echo "launch buttons for $(GCRIT_REPO_URL)"; fi

FORCE:

book: install vendor-mathjax $(BOOK_CONFIG)
	$(BIN)/jupyter-book build -W -n --keep-going --config $(BOOK_CONFIG) .
	@echo "The book is in _build/html: open $(CURDIR)/_build/html/index.html"

# The API page is written from gcrit_utils.API (tests/test_api_page.py checks it is current).
api-page: install
	$(BIN)/python book/make_api_page.py

figures: install
	$(BIN)/gcrit figures --outdir figures

lint: install
	$(BIN)/ruff check .

unit: install
	$(BIN)/python -m pytest tests/

nbval: install
	$(NBVAL)

# Strict build from the committed outputs (nbval has just re-executed every notebook).
book-check: install vendor-mathjax
	mkdir -p _build
	sed 's/execute_notebooks: cache/execute_notebooks: "off"/' _config.yml > _build/_config_check.yml
	$(BIN)/jupyter-book build -W -n --keep-going --config _build/_config_check.yml .

test: lint unit nbval book-check
	@echo "make test: all checks passed"

# The book in a real browser: headless Chromium renders every chapter page (DOM + screenshot in
# _build/screenshots/) and tests_browser/ checks math, images, tracebacks and navigation.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 \
	      || echo "could not install chromium: the browser checks will be skipped"; \
	  else echo "chromium not found and not installable here: the browser checks will be skipped"; fi; }

check-book: book-check chromium
	$(BIN)/python -m pytest -p no:cacheprovider -v tests_browser/

notebooks: install
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=1800 notebooks/*.ipynb

lab: install
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf _build .jupyter_cache .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
