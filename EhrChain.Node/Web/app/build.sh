#!/usr/bin/env bash
# Rebuilds the web page's bundle into ../wwwroot (committed, so a machine with only the .NET SDK
# serves and tests the page): protobuf code from ../../../proto, then one minified ES module.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund && rm -rf gen && npx buf generate && npx tsc -p . && npx esbuild src/app.ts --bundle --format=esm --minify --target=chrome120,firefox120,safari17 --legal-comments=eof --outfile=../wwwroot/app.js && cp src/index.html src/app.css ../wwwroot/
