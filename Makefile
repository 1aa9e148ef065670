# Customer Behaviour Insight Engine
#   make run                  build everything on DuckDB (no server needed)
#   make run TARGET=postgres  the same on PostgreSQL (docker compose up -d first)
#   make run TARGET=spark     the same on a local Apache Spark (installs the spark extra; Java 17+)
#   make unit                 the tests that need no build or database (about 29 s of CPU)
#   make test                 lint + both builds + pytest
# `make help` lists every target.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TARGET ?= duckdb
# false after `make load`: the models then read what the loader put in raw.
USE_SEEDS ?= true
# Extra dbt flags for `make run`, e.g. DBT_FLAGS=--full-refresh.
DBT_FLAGS ?=
# Your own statistics per country and year for `make run` (docs/enrichment.md), e.g.
# STATISTICS=examples/enrichment/country_statistics_made_up.csv.
STATISTICS ?=
# What `make run` builds after `customer-behaviour enrich`: everything that reads the reference
# tables it writes (the rest is built before, since enrich reads the staged sessions).
REFERENCE_MODELS := source:reference+
# Sessions that `make bench` generates.
SESSIONS ?= 1000000
# Optional dependency groups (pyproject.toml) to install: dev = tests and linters; spark =
# dbt-spark and pyspark, added by itself for TARGET=spark (`make install EXTRAS=dev,spark`).
comma := ,
EXTRAS ?= dev$(if $(filter spark,$(TARGET)),$(comma)spark)
INSTALLED := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
# TARGET=spark needs Java: say so in one line before dbt starts a JVM.
REQUIRE_TARGET = $(if $(filter spark,$(TARGET)),@$(BIN)/python -m customer_behaviour.spark)

# Your own PG* settings and e-mail hash key (see .env.example); docker compose reads the same file.
ifneq (,$(wildcard .env))
include .env
export PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE
export CUSTOMER_BEHAVIOUR_EMAIL_HASH_KEY CUSTOMER_BEHAVIOUR_EMAIL_SALT
endif

export DBT_PROFILES_DIR ?= $(CURDIR)
export CUSTOMER_BEHAVIOUR_TARGET := $(TARGET)
export CUSTOMER_BEHAVIOUR_PROJECT_DIR := $(CURDIR)
# dbt phones home by default; this project runs offline.
export DO_NOT_TRACK := 1

DBT := $(BIN)/dbt
CLI := $(BIN)/customer-behaviour
# Before a build: `preflight` stops with one line when it cannot start (the DuckDB file is open
# in DBeaver, no e-mail hash key) and prints the key, which dbt reads from the environment. On
# DuckDB it creates a random key in .email_hash_key the first time (see email_key.py).
PREFLIGHT = key="$$($(CLI) preflight --target $(TARGET) --print-key)" && \
	CUSTOMER_BEHAVIOUR_EMAIL_HASH_KEY="$$key"
# Builds whose output nobody keeps (the conventions scratch file, the benchmark's synthetic
# shop) hash with a random key of their own.
THROWAWAY_KEY = CUSTOMER_BEHAVIOUR_EMAIL_HASH_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_hex(32))')"

.PHONY: help install run build load analyze report bench bench-baskets where conventions test lint format pytest unit docs sample constraints clean

help:  ## list the targets
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

$(INSTALLED): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[$(EXTRAS)]'
	@touch $@

profiles.yml:
	cp profiles.example.yml profiles.yml

install: $(INSTALLED) profiles.yml  ## create .venv and install the pinned dependencies (EXTRAS=dev,spark adds Spark)

run: install  ## build on TARGET (duckdb|postgres|spark): staging, enrich (STATISTICS=file adds yours), the marts, the analyses, the report
	$(REQUIRE_TARGET)
	@mkdir -p data
	$(PREFLIGHT) $(DBT) build --target $(TARGET) --vars '{customer_behaviour__use_seeds: $(USE_SEEDS)}' --exclude $(REFERENCE_MODELS) $(DBT_FLAGS)
	$(CLI) enrich --target $(TARGET) $(if $(STATISTICS),--statistics "$(STATISTICS)")
	$(PREFLIGHT) $(DBT) build --target $(TARGET) --vars '{customer_behaviour__use_seeds: $(USE_SEEDS)}' --select $(REFERENCE_MODELS) $(DBT_FLAGS)
	$(CLI) analyze --target $(TARGET)
	$(CLI) report --target $(TARGET) --out reports/insights.html
	@$(CLI) where --target $(TARGET)
	@echo "report: reports/insights.html"

report: install  ## write reports/insights.html (self-contained, charts embedded) from TARGET's marts and analytics tables
	$(REQUIRE_TARGET)
	$(CLI) report --target $(TARGET) --out reports/insights.html

analyze: install  ## rerun the Python analytics layer on TARGET's built marts (schema analytics)
	$(REQUIRE_TARGET)
	$(CLI) analyze --target $(TARGET)

bench: install  ## benchmark SESSIONS=N (default 1M) on TARGET: load, full + incremental build, SQL and pandas anchors, Python layer, budgets
	$(THROWAWAY_KEY) $(BIN)/python python/bench/bench_pipeline.py --sessions $(SESSIONS) --target $(TARGET)

bench-baskets: install  ## scale check of the association rules (synthetic 1M orders x 10k products)
	$(BIN)/python python/bench/bench_baskets.py

build: run

load: install  ## bulk-load DATA=<folder of the six CSVs> into raw (APPEND=1 adds a day, built incrementally), then build with seeds off
	@test -n "$(DATA)" || { echo "error: say which folder to load: make load DATA=path/to/csvs" >&2; exit 2; }
	$(CLI) load --data "$(DATA)" --target $(TARGET) $(if $(APPEND),--append)
	$(MAKE) run USE_SEEDS=false $(if $(APPEND),,DBT_FLAGS=--full-refresh)

where: install  ## print where the marts of TARGET are
	@$(CLI) where --target $(TARGET)

lint: install  ## sqlfluff on every model and test, ruff on the Python
	@mkdir -p target
	CUSTOMER_BEHAVIOUR_DUCKDB_PATH=target/sqlfluff.duckdb $(BIN)/sqlfluff lint models tests analyses
	$(BIN)/ruff check python
	$(BIN)/ruff format --check python

format: install  ## apply sqlfluff and ruff fixes
	@mkdir -p target
	CUSTOMER_BEHAVIOUR_DUCKDB_PATH=target/sqlfluff.duckdb $(BIN)/sqlfluff fix models tests analyses
	$(BIN)/ruff check --fix python
	$(BIN)/ruff format python

pytest: install  ## pytest: builds on DuckDB and PostgreSQL (and Spark, with the spark extra) and checks the marts
	$(BIN)/pytest

unit: install  ## the tests that need no build or database: about 29 s of CPU (python/tests/README.md)
	$(BIN)/pytest -m "not warehouse"

conventions: install  ## the conventions gate: docs, primary-key tests, naming, layering (dbt-bouncer)
	CUSTOMER_BEHAVIOUR_DUCKDB_PATH=target/conventions.duckdb $(THROWAWAY_KEY) \
	  $(DBT) build --target duckdb --quiet --exclude-resource-type test unit_test
	CUSTOMER_BEHAVIOUR_DUCKDB_PATH=target/conventions.duckdb \
	  $(DBT) docs generate --target duckdb --quiet
	$(BIN)/dbt-bouncer run --config-file dbt-bouncer.yml --show-all-failures

test: lint conventions pytest  ## everything CI runs

docs: install  ## generate the dbt docs site and serve it on http://localhost:8080
	$(DBT) docs generate --target $(TARGET)
	$(DBT) docs serve --port 8080

sample: install  ## regenerate the committed sample seeds (10k sessions, seed 42, 0.5% defects)
	$(CLI) generate --sessions 10000 --seed 42 --defect-rate 0.005 --out seeds
	mv seeds/defects_manifest.csv python/tests/data/sample_defects_manifest.csv

constraints: install  ## re-pin constraints.txt from the current .venv
	{ echo "# Exact versions for a reproducible install: pip install -c constraints.txt -e '.[dev,spark]'"; \
	  echo "# Regenerate with: make constraints"; \
	  $(BIN)/python -m pip freeze --exclude-editable; } > constraints.txt

clean:  ## remove build output (keeps .venv and data/, where Spark's warehouse is too)
	rm -rf target logs dbt_packages
