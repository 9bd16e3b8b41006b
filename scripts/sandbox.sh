#!/usr/bin/env bash
# npm run sandbox: build, then start the sandbox to try irsactl by hand (it runs until Ctrl-C, then stops what it started).
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
npm run --silent build
exec node dist/sandbox/shell.js
