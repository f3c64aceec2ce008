# The two commands of README's quick start: `make run` and `make test`. Both install what is missing.
.PHONY: run test setup bench package

setup:
	@./scripts/bootstrap.sh

run: setup
	@.venv/bin/motcua serve

test: setup
	.venv/bin/python -m pytest -q

# The CloudFormation package of a stage (default dev): build/package/sam.json + deployment.zip.
package: setup
	.venv/bin/python scripts/package.py --stage $(or $(STAGE),dev)

# Each benchmark prints its figures as JSON (issue 9 gathers them into build/bench.json).
bench: setup
	.venv/bin/python bench/run.py
