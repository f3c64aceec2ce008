"""The local stage: the AWS emulator, the stack made from `infra/`, the queue runner, the server."""
