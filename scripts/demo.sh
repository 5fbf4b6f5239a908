#!/usr/bin/env bash
# make demo: start the collector on examples/local/config.yaml, replay the sample
# records of examples/records, wait until the file exporter has written every
# span, stop the collector cleanly (Ctrl-C, which flushes the batch) and print
# a summary of what came out. Everything it writes goes to _out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-_build/otelcol-aoai}
GO=${GO:-go}
CONFIG=examples/local/config.yaml
RECORDS=${RECORDS:-examples/records}
OUT=_out/demo
RECEIVER=localhost:4320
HEALTH=http://localhost:13133/
# The summary reads the provisioned deployments (PTUs, hourly price per PTU) from $CONFIG's
# pricing.deployments and splits their hourly cost between the callers; PTU=name=PTUS:PRICE
# overrides one.
PTU=${PTU:-}

rm -rf "$OUT"
mkdir -p "$OUT"
"$GO" build -o "$OUT/bin/" ./cmd/aoai-replay ./cmd/aoai-summary

if curl -fsS -o /dev/null "$HEALTH" 2>/dev/null; then
	echo "demo: a collector already answers on $HEALTH (make run?); stop it first" >&2
	exit 1
fi

# The example config as it is, with the file exporters pointed into $OUT.
"$BIN" --config "$CONFIG" \
	--set "exporters::file::path=$OUT/traces.jsonl" \
	--set "exporters::file/metrics::path=$OUT/metrics.jsonl" \
	>"$OUT/collector.log" 2>&1 &
collector=$!
stop_collector() {
	if kill -0 "$collector" 2>/dev/null; then
		kill -INT "$collector"
		wait "$collector"
	fi
}
trap 'kill -INT "$collector" 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
	curl -fsS -o /dev/null "$HEALTH" 2>/dev/null && break
	if ! kill -0 "$collector" 2>/dev/null; then
		echo "demo: the collector stopped at start; its log:" >&2
		cat "$OUT/collector.log" >&2
		exit 1
	fi
	sleep 0.1
done

echo "== replaying $RECORDS to the ai_gateway receiver on $RECEIVER"
"$OUT/bin/aoai-replay" -url "http://$RECEIVER/v1/exchanges" -progress 0 -json "$RECORDS" >"$OUT/replay.json"
accepted=$(sed -n 's/^ *"accepted": *\([0-9]*\).*/\1/p' "$OUT/replay.json")
echo "accepted $accepted records"

# Wait until the batch processor and the file exporter have written every span,
# then stop the collector: the clean shutdown flushes what is left.
"$OUT/bin/aoai-summary" -expect "$accepted" -wait 15s "$OUT/traces.jsonl" >/dev/null
stop_collector
trap - EXIT
echo "collector stopped cleanly; its log: $OUT/collector.log"
echo
echo "== summary of $OUT/traces.jsonl"
"$OUT/bin/aoai-summary" -expect "$accepted" -config "$CONFIG" ${PTU:+-ptu "$PTU"} -metrics "$OUT/metrics.jsonl" "$OUT/traces.jsonl"
