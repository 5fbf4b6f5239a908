#!/usr/bin/env bash
# Every collector module in go.mod must sit on one release line
# (core v0.161.0 / v1.67.0, contrib v0.161.0): mixing lines builds, then breaks in ocb.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=$(awk '
  $1 ~ /^go\.opentelemetry\.io\/collector\// && $2 != "v0.161.0" && $2 != "v1.67.0" { print }
  $1 ~ /^github\.com\/open-telemetry\/opentelemetry-collector-contrib\// && $2 != "v0.161.0" { print }
' go.mod)
if [ -n "$bad" ]; then
  echo "collector modules off the v0.161.0 / v1.67.0 release line:"
  echo "$bad"
  exit 1
fi
