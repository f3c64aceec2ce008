"""Hostile input and faults against the whole local stack (issue 9).

The modules here are shared by the short runs in `make test` (the `test_*.py` files here and
`tests/e2e/test_faults.py`) and the long ones in `make bench` (`bench/fuzz.py`, `bench/faults.py`):
- `stack`: start `motcua serve` on free ports and look at its processes, queues and logs;
- `files` and `pipeline`: hypothesis-made attachments sent through create, upload, submit, settle;
- `api`: schemathesis against `/v1/openapi.json`, every operation, every role;
- `faultrun`: a batch flowing while workers are killed, writes refused and messages doubled.
"""
