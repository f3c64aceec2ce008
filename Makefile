# The two commands of README's quick start: `make run` and `make test`. Both install what is missing.
.PHONY: run test setup bench package lock lint rehearse deploy

setup:
	@./scripts/bootstrap.sh

run: setup
	@.venv/bin/motcua serve

test: setup lint
	.venv/bin/python -m pytest -q

# The linter, the formatter's check and the type checker (ruff and mypy, configured in
# pyproject.toml); make test runs them first.
lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

# The locks with hashes (requirements.txt, requirements-dev.txt) from the .in files, after editing one.
lock: setup
	./scripts/lock.sh

# The CloudFormation package of a stage (default dev): build/package/sam.json + deployment.zip.
package: setup
	.venv/bin/python scripts/package.py --stage $(or $(STAGE),dev)

# The dev package deployed as it is into MiniStack (an AWS emulator that runs the functions, IAM checked)
# and one dossier driven through API Gateway, SQS and every function (docs/deploy.md, "Rehearsal").
rehearse: setup
	.venv/bin/python scripts/rehearse.py

# A real stage (docs/deploy.md): the OCR image pushed and pinned by digest, the zip and the template
# uploaded, the stack deployed. Needs AWS credentials (AWS_PROFILE or the usual variables), Docker,
# ARTIFACTS_BUCKET, and the stage's parameters in PARAMETERS ("PublicBaseUrl=https://... ...").
deploy: package
	./scripts/deploy.sh $(or $(STAGE),dev)

# Every benchmark, gathered into build/bench.json and build/bench.md (docs/bench/README.md).
bench: setup
	.venv/bin/python bench/run.py
