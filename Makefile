# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app survey

.PHONY: run test install lint typecheck format translations

run: install translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo
	@echo "Hài Lòng is starting on http://127.0.0.1:8000"
	@echo "Sign in as the demo administrator: admin@hailong.example / hailong-demo-2026"
	@echo "QR code addresses: $(FLASK) qr-codes"
	@echo
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: install translations lint typecheck
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

translations: install
	$(FLASK) translate compile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
