//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

const (
	hubTopic      = "aoai-exchanges"
	hubPartitions = 4
	// connectionString has the shape of an Event Hubs one; the broker takes
	// it as the SASL PLAIN password of $ConnectionString.
	connectionString = "Endpoint=sb://contoso-aoai.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=e2e-not-a-real-key="
)

// TestEventHubsConsumerGroupRestart runs the built collector with the Kafka
// receiver settings of examples/eventhubs/config.yaml against an in-process
// Kafka broker set up like an Event Hubs namespace (TLS, SASL PLAIN with
// $ConnectionString): two collectors in one consumer group share the hub's
// partitions; one of them is stopped and started again while records keep
// coming. Every record must come out exactly once (no loss, no duplicate),
// every partition's committed offset must reach its end, a message without a
// valid record must not stall its partition, and a partially valid message
// must give its valid records.
func TestEventHubsConsumerGroupRestart(t *testing.T) {
	broker := startKafkaBroker(t, hubTopic, hubPartitions, connectionString)
	t.Setenv("EVENTHUBS_CONNECTION_STRING", connectionString)
	receiver, group := exampleKafkaReceiver(t, broker)
	records := newRecordMaker(t)

	a := startGroupMember(t, receiver, "a")
	b := startGroupMember(t, receiver, "b")
	broker.waitForMembers(t, group, 2, hubPartitions)

	// 1. Both members share the partitions.
	phase1 := records.messages("p1", 120)
	broker.produce(t, phase1.messages...)
	waitForRecords(t, phase1.ids, a, b)
	require.NotEmpty(t, phase1.ids.in(recordIDsIn(t, a.output())), "member a took no partition")
	require.NotEmpty(t, phase1.ids.in(recordIDsIn(t, b.output())), "member b took no partition")

	// 2. b stops and starts again while records keep coming: its partitions
	// go to a (from the offsets b committed), then half of them come back.
	phase2 := records.messages("p2", 300)
	var producing sync.WaitGroup
	producing.Go(func() {
		for i := 0; i < len(phase2.messages); i += 10 {
			broker.produce(t, phase2.messages[i:min(i+10, len(phase2.messages))]...)
			time.Sleep(60 * time.Millisecond)
		}
	})
	time.Sleep(300 * time.Millisecond)
	b.Stop(t)
	b2 := startGroupMember(t, receiver, "b")
	producing.Wait()
	broker.waitForMembers(t, group, 2, hubPartitions)

	// 3. The restarted member takes part again; bad and partial messages on
	// every partition do not stop the records behind them.
	phase3 := records.messages("p3", 120)
	broken := records.brokenMessages()
	broker.produce(t, broken.messages...)
	broker.produce(t, phase3.messages...)
	expected := phase1.ids.union(phase2.ids, phase3.ids, broken.ids)
	waitForRecords(t, expected, a, b, b2)
	require.NotEmpty(t, phase3.ids.in(recordIDsIn(t, b2.output())), "the restarted member b took no partition")

	require.Eventually(t, func() bool {
		done, state := broker.committedEverything(t, group)
		if !done {
			t.Logf("committed offsets: %s", state)
		}
		return done
	}, 30*time.Second, 500*time.Millisecond, "every message, the bad ones included, is committed")

	// Own telemetry of the extension and of the Kafka receiver, summed over
	// the two members alive (the broken messages came after the restart).
	counter := func(name string, labels ...string) float64 {
		return scrapeCounter(t, a.metricsPort, name, labels...) + scrapeCounter(t, b2.metricsPort, name, labels...)
	}
	assert.Equal(t, float64(len(broken.rejected)), counter("otelcol_extension_ai_gateway_encoding_messages", `outcome="rejected"`))
	assert.Equal(t, 1.0, counter("otelcol_extension_ai_gateway_encoding_messages", `outcome="partial"`))
	assert.Equal(t, 1.0, counter("otelcol_extension_ai_gateway_encoding_records_rejected", `reason="invalid_field"`))
	assert.Equal(t, float64(len(broken.rejected)), counter("otelcol_kafka_receiver_unmarshal_failed_spans"))
	// What a and the restarted b decoded is everything but what b decoded before its restart.
	assert.Equal(t, float64(len(expected)-len(recordIDsIn(t, b.output()))), counter("otelcol_extension_ai_gateway_encoding_records_decoded"))

	a.Stop(t)
	b2.Stop(t)

	// Exactly once, across all three runs, from the files as they were
	// flushed at shutdown.
	seen := map[string]int{}
	for _, m := range []*groupMember{a, b, b2} {
		for _, id := range recordIDsIn(t, m.output()) {
			seen[id]++
		}
	}
	var lost, duplicated, unexpected []string
	for id := range expected {
		switch n := seen[id]; {
		case n == 0:
			lost = append(lost, id)
		case n > 1:
			duplicated = append(duplicated, fmt.Sprintf("%s×%d", id, n))
		}
	}
	for id := range seen {
		if _, ok := expected[id]; !ok {
			unexpected = append(unexpected, id)
		}
	}
	sort.Strings(lost)
	sort.Strings(duplicated)
	assert.Empty(t, lost, "records lost")
	assert.Empty(t, duplicated, "records delivered more than once")
	assert.Empty(t, unexpected, "records that should not exist (the invalid one)")
	t.Logf("%d records: a %d, b %d, b again %d", len(expected),
		len(recordIDsIn(t, a.output())), len(recordIDsIn(t, b.output())), len(recordIDsIn(t, b2.output())))

	assert.Contains(t, a.Output()+b2.Output(), "Invalid exchange records left out of a message")
	assert.Contains(t, a.Output()+b2.Output(), "failed to unmarshal message")
}

// exampleKafkaReceiver returns the kafka receiver section of
// examples/eventhubs/config.yaml pointed at broker (address and CA only:
// group, topic, encoding, SASL, offsets and error handling stay as the
// example has them) and the example's consumer group.
func exampleKafkaReceiver(t *testing.T, broker *kafkaBroker) (map[string]any, string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "examples", "eventhubs", "config.yaml"))
	require.NoError(t, err)
	var example map[string]any
	require.NoError(t, yaml.Unmarshal(data, &example))
	receiver := example["receivers"].(map[string]any)["kafka"].(map[string]any)

	require.Equal(t, "ai_gateway_encoding", receiver["traces"].(map[string]any)["encoding"])
	require.Equal(t, []any{hubTopic}, receiver["traces"].(map[string]any)["topics"])
	marking := receiver["message_marking"].(map[string]any)
	require.Equal(t, true, marking["after"], "offsets are marked after the pipeline accepted the spans")
	require.Equal(t, "$$ConnectionString", receiver["auth"].(map[string]any)["sasl"].(map[string]any)["username"])

	receiver["brokers"] = []string{broker.addr}
	receiver["tls"].(map[string]any)["ca_file"] = broker.caFile
	return receiver, receiver["group_id"].(string)
}

// groupMember is one collector of the consumer group.
type groupMember struct {
	*runningCollector
	metricsPort int
}

func (m *groupMember) output() string { return filepath.Join(m.Dir, "traces.jsonl") }

// startGroupMember runs the collector with the example's Kafka receiver, the
// extension, the processor, and the file exporter (synchronous: a batch is
// accepted once it is written, so a committed offset means a written span).
func startGroupMember(t *testing.T, receiver map[string]any, name string) *groupMember {
	t.Helper()
	healthPort, metricsPort := freePort(t), freePort(t)
	receiver["client_id"] = "otelcol-aoai-" + name
	config := map[string]any{
		"extensions": map[string]any{
			"health_check":        map[string]any{"endpoint": fmt.Sprintf("127.0.0.1:%d", healthPort)},
			"ai_gateway_encoding": nil,
		},
		"receivers":  map[string]any{"kafka": receiver},
		"processors": map[string]any{"azure_openai": nil},
		"exporters": map[string]any{
			"file": map[string]any{"path": "./traces.jsonl", "flush_interval": "100ms"},
		},
		"service": map[string]any{
			"extensions": []string{"health_check", "ai_gateway_encoding"},
			"pipelines": map[string]any{"traces": map[string]any{
				"receivers": []string{"kafka"}, "processors": []string{"azure_openai"}, "exporters": []string{"file"},
			}},
			"telemetry": map[string]any{"metrics": map[string]any{"readers": []any{map[string]any{
				"pull": map[string]any{"exporter": map[string]any{"prometheus": map[string]any{
					"host": "127.0.0.1", "port": metricsPort,
				}}},
			}}}},
		},
	}
	data, err := yaml.Marshal(config)
	require.NoError(t, err)
	return &groupMember{runningCollector: startCollector(t, string(data), healthPort), metricsPort: metricsPort}
}

// waitForRecords waits until every expected record id is in the members'
// output.
func waitForRecords(t *testing.T, expected idSet, members ...*groupMember) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		seen := idSet{}
		for _, m := range members {
			for _, id := range recordIDsIn(t, m.output()) {
				seen[id] = struct{}{}
			}
		}
		missing := 0
		for id := range expected {
			if _, ok := seen[id]; !ok {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d records never came out", missing, len(expected))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

type idSet map[string]struct{}

func (s idSet) in(ids []string) []string {
	var found []string
	for _, id := range ids {
		if _, ok := s[id]; ok {
			found = append(found, id)
		}
	}
	return found
}

func (s idSet) union(others ...idSet) idSet {
	u := idSet{}
	for _, set := range append(others, s) {
		for id := range set {
			u[id] = struct{}{}
		}
	}
	return u
}

// recordMaker turns the example records into messages with ids of their own.
type recordMaker struct {
	templates []map[string]any
}

func newRecordMaker(t *testing.T) *recordMaker {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "examples", "records", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	m := &recordMaker{}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		var rec map[string]any
		require.NoError(t, json.Unmarshal(data, &rec))
		m.templates = append(m.templates, rec)
	}
	return m
}

// record returns template i%n as compact JSON with the given id (as APIM
// writes it), or, for every seventh, pretty-printed.
func (m *recordMaker) record(i int, id string) []byte {
	rec := m.templates[i%len(m.templates)]
	rec["id"] = id
	if i%7 == 6 {
		out, _ := json.MarshalIndent(rec, "", "  ")
		return out
	}
	out, _ := json.Marshal(rec)
	return out
}

type messageBatch struct {
	messages []kafkaMessage
	ids      idSet
	rejected []kafkaMessage
}

// messages returns n messages of one record each, spread over the
// partitions.
func (m *recordMaker) messages(prefix string, n int) messageBatch {
	batch := messageBatch{ids: idSet{}}
	for i := range n {
		id := fmt.Sprintf("%s-%03d", prefix, i)
		batch.ids[id] = struct{}{}
		batch.messages = append(batch.messages, kafkaMessage{partition: int32(i % hubPartitions), value: m.record(i, id)})
	}
	return batch
}

// brokenMessages returns, on each partition, a message the way things go
// wrong: one that is not JSON, one cut at APIM's size limit, one NDJSON with
// an invalid record between two valid ones, and one JSON array of two.
func (m *recordMaker) brokenMessages() messageBatch {
	batch := messageBatch{ids: idSet{"nd-1": {}, "nd-3": {}, "arr-1": {}, "arr-2": {}}}
	invalid := strings.Replace(string(m.record(0, "nd-2-invalid")), `"status":200`, `"status":"200"`, 1)
	notJSON := kafkaMessage{partition: 0, value: []byte("a log line, not a record")}
	cut := kafkaMessage{partition: 1, value: m.record(2, "cut")[:200]}
	batch.rejected = []kafkaMessage{notJSON, cut}
	batch.messages = []kafkaMessage{
		notJSON,
		cut,
		{partition: 2, value: []byte(string(m.record(0, "nd-1")) + "\n" + invalid + "\n" + string(m.record(1, "nd-3")) + "\n")},
		{partition: 3, value: []byte("[" + string(m.record(3, "arr-1")) + "," + string(m.record(4, "arr-2")) + "]")},
	}
	return batch
}
