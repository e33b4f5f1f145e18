# 政策通 — `make help` lists the targets.
SHELL := /bin/bash
PY := .venv/bin/python
export HF_HUB_OFFLINE := 1
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: help setup system run run-prod chat test lint typecheck validate index train eval-retrieval eval-answers eval-nlu eval-nlu-pipeline eval-nlu-cv bench bench-full bench-train load faults clean

# pytest-xdist workers of `make test`: the Rasa tests run on one, the rest spread over all (tests/conftest.py)
TEST_WORKERS ?= 2

PACKAGES := policybot actions knowledge search index_builder evaluation eligibility bot privacy idp

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

setup: ## create or reuse .venv (Python 3.10.13, exact versions from requirements/lock.txt)
	@bash scripts/setup.sh

system: ## install the Debian packages the tests need (PostgreSQL, Chromium, a CJK font, nginx, Redis), if missing
	@bash scripts/setup_system.sh

run: setup ## build what is stale, start all three services, print where to chat; Ctrl-C stops them
	@$(PY) -m policybot.cli run

run-prod: setup system ## the production profile: nginx, 2 Rasa + 2 action servers, PostgreSQL, Redis (var/prod/)
	@$(PY) -m policybot.cli run --production

chat: ## chat in this terminal with the running assistant
	@$(PY) -m policybot.cli chat

test: setup ## ruff, mypy, rasa data validate, then the whole pytest suite (starts its own servers); a missing model trains meanwhile
	@$(PY) -m policybot.prepare_data --train-in-background var/logs/train-background.log
	@$(MAKE) --no-print-directory system
	@$(PY) -m ruff check .
	@$(PY) -m mypy $(PACKAGES)
	@$(PY) -m rasa data validate --domain bot/domain --data nlu_data var/nlu_generated --config config.yml --fail-on-warnings
	@$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

lint: setup ## ruff only
	@$(PY) -m ruff check .

typecheck: setup ## mypy over the packages
	@$(PY) -m mypy $(PACKAGES)

validate: setup ## check every knowledge document and its rules (knowledge/rules) against the schema
	@$(PY) -m policybot.cli validate-knowledge

index: setup ## build the search index (incremental)
	@$(PY) -m policybot.cli build-index

train: setup ## train the Rasa model if its inputs changed
	@$(PY) -m policybot.cli train

eval-retrieval: setup ## retrieval figures on the shared ncp_policies dev set and on eval/questions.jsonl
	@$(PY) -m policybot.cli eval retrieval --corpus ../shared/data/ncp_policies/corpus.jsonl --queries ../shared/data/ncp_policies/queries_dev.jsonl --json
	@$(PY) -m policybot.cli eval retrieval --corpus knowledge/corpus --queries eval/questions.jsonl --json

eval-answers: setup ## ROUGE-L of the displayed (concise) answers on ncp dev: the tuned half and the held-out half
	@$(PY) -m policybot.cli eval answers --corpus ../shared/data/ncp_policies/corpus.jsonl --queries ../shared/data/ncp_policies/queries_dev.jsonl --split tune --json
	@$(PY) -m policybot.cli eval answers --corpus ../shared/data/ncp_policies/corpus.jsonl --queries ../shared/data/ncp_policies/queries_dev.jsonl --split held-out --json

eval-nlu: setup ## intent/entity figures of the trained model: held-out split, blind set, real users' wording, fresh (dev) set
	@$(PY) -m policybot.cli eval nlu --data eval/nlu --json
	@$(PY) -m policybot.cli eval nlu --data eval/nlu_blind --json
	@$(PY) -m policybot.cli eval nlu --data eval/nlu_real --json
	@$(PY) -m policybot.cli eval nlu --data eval/nlu_real/entities.yml --entity-types company,district --json
	@$(PY) -m policybot.cli eval nlu --data eval/nlu_fresh --json

eval-nlu-pipeline: setup ## train config.yml on SMP2017-ECDT train and score on develop
	@$(PY) -m policybot.cli eval nlu-pipeline --train ../shared/data/smp2017_ecdt/train.tsv --test ../shared/data/smp2017_ecdt/develop.tsv --json

eval-nlu-cv: setup ## SMP2017: DIET epochs (25 or 50) and the intent blend's settings and features by 3-fold CV on train, then one score on develop (~30 minutes)
	@$(PY) -m policybot.cli eval nlu-cv --train ../shared/data/smp2017_ecdt/train.tsv --test ../shared/data/smp2017_ecdt/develop.tsv --json

BENCHES := bench/bench_turn.py bench/bench_wechat.py bench/bench_console.py bench/bench_hostile.py bench/bench_retrieval.py bench/bench_index_build.py bench/bench_index_query.py bench/bench_eligibility.py

bench: setup ## every benchmark under bench/ (each prints its figures and a final JSON line)
	@for b in $(BENCHES); do echo "== $$b"; $(PY) $$b || exit 1; done

bench-full: setup ## the eligibility benchmark at full size (1,000,000 enterprises; about 15 minutes)
	@$(PY) bench/bench_eligibility.py --full

bench-train: setup ## training from nothing (empty caches), the settings before issue 14.6 as the baseline in the same run (~20 minutes)
	@$(PY) bench/bench_train.py --baseline-settings "DIETClassifier.epochs=60,DIETClassifier.batch_size=[64, 256],LinearIntentClassifier.solver=lbfgs,TEDPolicy.epochs=40,ResponseSelector.epochs=40"

load: setup system ## load test over REST, default mode and production profile side by side (ARGS="--users 50 --minutes 5", "--saturation --users 16", "--quick")
	@$(PY) bench/load/run.py $(ARGS)

faults: setup system ## fault tests: kill -9 / freeze services mid-conversation, duplicate deliveries, restart of everything (both profiles; ~15 min)
	@$(PY) -m pytest tests/bot/test_action_failure.py tests/e2e/test_faults.py tests/e2e/faults_restart.py tests/e2e/test_production.py

clean: ## remove generated files (var/), keep .venv
	rm -rf var .pytest_cache .ruff_cache
