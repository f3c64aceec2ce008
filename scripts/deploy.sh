#!/usr/bin/env bash
# `make deploy STAGE=dev`: docs/deploy.md steps 1 and 2 in one command, for a stage of a real AWS account.
#   1. the OCR image (infra/Dockerfile.ocr) built, pushed to ECR, and pinned by its digest;
#   2. `aws cloudformation package` uploads deployment.zip and the template (a packaged template is
#      over the 51 200 bytes CloudFormation takes inline: `make rehearse` met that limit), then
#      `aws cloudformation deploy` with the stage's parameters.
# Needs: AWS CLI v2 and credentials (AWS_PROFILE or the usual variables), Docker, and
#   ARTIFACTS_BUCKET      the bucket `cloudformation package` uploads to (docs/deploy.md step 0)
#   PARAMETERS            the stage's parameters, e.g. "PublicBaseUrl=https://... PortalCallbackUrl=..."
#   LEPTONICA_SHA256, TESSERACT_SHA256   the source checksums recorded in infra/ocr-image.md
# prod asks for CONFIRM=prod. Nothing here runs in make test (no AWS from the development machine);
# scripts/rehearse.py is the same template deployed into an emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
STAGE="${1:-dev}"
case "$STAGE" in dev | prod) ;; *) echo "deploy: stage is dev or prod, not $STAGE" >&2; exit 2 ;; esac
if [ "$STAGE" = prod ] && [ "${CONFIRM:-}" != prod ]; then
  echo "deploy: this deploys prod: run again with CONFIRM=prod" >&2
  exit 2
fi
: "${ARTIFACTS_BUCKET:?set ARTIFACTS_BUCKET (docs/deploy.md step 0)}"
: "${PARAMETERS:?set PARAMETERS, e.g. PublicBaseUrl=https://motcua.example.gov.vn}"
: "${LEPTONICA_SHA256:?see infra/ocr-image.md}" "${TESSERACT_SHA256:?see infra/ocr-image.md}"
REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-ap-southeast-1}}"
ACCOUNT="$(aws sts get-caller-identity --query Account --output text)"
REGISTRY="$ACCOUNT.dkr.ecr.$REGION.amazonaws.com"
TAG="$(git rev-parse --short HEAD)"
[ -z "$(git status --porcelain)" ] || { echo "deploy: the work tree has changes; deploy a commit" >&2; exit 2; }

# 1. The OCR image of this commit, by digest (a tag can be moved; a digest cannot)
docker build -f infra/Dockerfile.ocr --platform linux/amd64 \
  --build-arg LEPTONICA_SHA256="$LEPTONICA_SHA256" --build-arg TESSERACT_SHA256="$TESSERACT_SHA256" \
  -t "motcua-ocr:$TAG" .
aws ecr get-login-password --region "$REGION" | docker login --username AWS --password-stdin "$REGISTRY"
docker tag "motcua-ocr:$TAG" "$REGISTRY/motcua-ocr:$TAG"
docker push "$REGISTRY/motcua-ocr:$TAG"
DIGEST="$(aws ecr describe-images --region "$REGION" --repository-name motcua-ocr --image-ids imageTag="$TAG" \
  --query 'imageDetails[0].imageDigest' --output text)"

# 2. The zip and the template, then the stack
aws cloudformation package --region "$REGION" --template-file build/package/sam.json --use-json \
  --s3-bucket "$ARTIFACTS_BUCKET" --s3-prefix "motcua-$STAGE/$TAG" --output-template-file build/package/packaged.json
# shellcheck disable=SC2086  # PARAMETERS is a list of Key=Value words
aws cloudformation deploy --region "$REGION" --template-file build/package/packaged.json \
  --s3-bucket "$ARTIFACTS_BUCKET" --s3-prefix "motcua-$STAGE/$TAG" \
  --stack-name "motcua-$STAGE" --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
  --parameter-overrides Stage="$STAGE" OcrImageUri="$REGISTRY/motcua-ocr@$DIGEST" $PARAMETERS
aws cloudformation describe-stacks --region "$REGION" --stack-name "motcua-$STAGE" --query 'Stacks[0].Outputs'
