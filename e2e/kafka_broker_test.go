//go:build e2e

package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"github.com/otelcol-aoai/otelcol-aoai/internal/summary"
)

// eventHubsUser is the literal SASL PLAIN user name Event Hubs' Kafka
// endpoint takes; the password is the connection string.
const eventHubsUser = "$ConnectionString"

// kafkaBroker is an in-process Kafka broker (kfake speaks the Kafka protocol
// over TCP) set up like an Event Hubs namespace's Kafka endpoint: TLS with a
// certificate of its own CA, SASL PLAIN with $ConnectionString.
type kafkaBroker struct {
	cluster *kfake.Cluster
	addr    string
	caFile  string
	client  *kgo.Client
	admin   *kadm.Client
	topic   string
}

func startKafkaBroker(t *testing.T, topic string, partitions int32, connectionString string) *kafkaBroker {
	t.Helper()
	serverTLS, caPEM := selfSignedTLS(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, caPEM, 0o600))

	cluster, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.SeedTopics(partitions, topic),
		kfake.TLS(serverTLS),
		kfake.EnableSASL(),
		kfake.Superuser("PLAIN", eventHubsUser, connectionString),
	)
	require.NoError(t, err)
	t.Cleanup(cluster.Close)

	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(caPEM))
	client, err := kgo.NewClient(
		kgo.SeedBrokers(cluster.ListenAddrs()...),
		kgo.DialTLSConfig(&tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}),
		kgo.SASL(plain.Auth{User: eventHubsUser, Pass: connectionString}.AsMechanism()),
		kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
	)
	require.NoError(t, err)
	t.Cleanup(client.Close)
	return &kafkaBroker{
		cluster: cluster, addr: cluster.ListenAddrs()[0], caFile: caFile,
		client: client, admin: kadm.NewClient(client), topic: topic,
	}
}

// selfSignedTLS makes a CA and a server certificate for 127.0.0.1 signed by
// it; it returns the server's TLS config and the CA in PEM.
func selfSignedTLS(t *testing.T) (*tls.Config, []byte) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "otelcol-aoai e2e CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	template := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, caCert, &key.PublicKey, caKey)
	require.NoError(t, err)
	return &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MinVersion:   tls.VersionTLS12,
	}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

// produce writes each message to its partition and waits for the broker's
// acknowledgement.
func (b *kafkaBroker) produce(t *testing.T, messages ...kafkaMessage) {
	t.Helper()
	records := make([]*kgo.Record, len(messages))
	for i, m := range messages {
		records[i] = &kgo.Record{Partition: m.partition, Value: m.value}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, b.client.ProduceSync(ctx, records...).FirstErr())
}

type kafkaMessage struct {
	partition int32
	value     []byte
}

// waitForMembers waits until the consumer group is stable with n members
// that share every partition of the topic between them, and returns how
// many partitions each member holds.
func (b *kafkaBroker) waitForMembers(t *testing.T, group string, n int, partitions int32) []int {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		described, err := b.admin.DescribeGroups(ctx, group)
		cancel()
		if err == nil {
			g := described[group]
			last = fmt.Sprintf("state %s, %d members", g.State, len(g.Members))
			if g.Err == nil && g.State == "Stable" && len(g.Members) == n {
				var held []int
				total := 0
				for _, m := range g.Members {
					count := 0
					if c, ok := m.Assigned.AsConsumer(); ok {
						for _, topic := range c.Topics {
							count += len(topic.Partitions)
						}
					}
					held = append(held, count)
					total += count
				}
				if total == int(partitions) && !slices.Contains(held, 0) {
					return held
				}
				last += fmt.Sprintf(", partitions held %v", held)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("consumer group %s never had %d members sharing %d partitions: %s", group, n, partitions, last)
	return nil
}

// committedEverything reports whether the group's committed offset of every
// partition is the partition's end: every message was marked and committed.
func (b *kafkaBroker) committedEverything(t *testing.T, group string) (bool, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ends, err := b.admin.ListEndOffsets(ctx, b.topic)
	require.NoError(t, err)
	committed, err := b.admin.FetchOffsets(ctx, group)
	if err != nil {
		return false, err.Error()
	}
	var state []string
	done := true
	ends.Each(func(end kadm.ListedOffset) {
		at := int64(-1)
		if c, ok := committed.Lookup(end.Topic, end.Partition); ok {
			at = c.At
		}
		state = append(state, fmt.Sprintf("p%d %d/%d", end.Partition, at, end.Offset))
		if at != end.Offset {
			done = false
		}
	})
	return done, strings.Join(state, ", ")
}

// recordIDsIn reads a file exporter's output and returns the
// ai_gateway.record.id of every span, with repeats. A last line still being
// written is left for the next read.
func recordIDsIn(t *testing.T, path string) []string {
	t.Helper()
	traces, err := summary.ReadTraces(path)
	require.NoError(t, err)
	var ids []string
	for span := range summary.Spans(traces) {
		id, _ := span.Attributes().Get("ai_gateway.record.id")
		ids = append(ids, id.Str())
	}
	return ids
}

// scrapeCounter sums the values of a counter in a collector's Prometheus
// telemetry whose labels include every one of labels.
func scrapeCounter(t *testing.T, port int, name string, labels ...string) float64 {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	line := regexp.MustCompile(`^` + regexp.QuoteMeta(name) + `(?:_total)?(?:\{([^}]*)\})? (\S+)$`)
	sum := 0.0
	for _, l := range strings.Split(string(body), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		matched := true
		for _, label := range labels {
			matched = matched && strings.Contains(m[1], label)
		}
		if matched {
			v, err := strconv.ParseFloat(m[2], 64)
			require.NoError(t, err)
			sum += v
		}
	}
	return sum
}
