# The two commands: `make run` (set up, import the seed if the store is empty, serve GraphQL)
# and `make test` (set up, run the whole suite). Both build the virtualenv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
AUDIT  := tests/conformance/node_modules/.package-lock.json
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test schema bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

run: $(STAMP)
	$(BIN)/certledger serve --seed-if-empty --host $(HOST) --port $(PORT)

# The GraphQL-over-HTTP audit runs on Node with the pinned graphql-http package.
$(AUDIT): tests/conformance/package-lock.json
	@if command -v npm >/dev/null 2>&1; then cd tests/conformance && npm ci --no-audit --no-fund --silent; \
	else echo "npm not found: the conformance audit test will be skipped"; fi

test: $(STAMP) $(AUDIT)
	$(BIN)/python -m pytest

schema: $(STAMP)
	$(BIN)/certledger export-schema

clean:
	rm -rf $(VENV) var .pytest_cache
